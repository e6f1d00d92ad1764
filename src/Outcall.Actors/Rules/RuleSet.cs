using Outcall.Rules.Cel;

namespace Outcall.Rules;

/// <summary>An immutable, fully validated, ordered rule set. Thread-safe.</summary>
public sealed class RuleSet
{
    internal const string DefaultPolicyReason = "default policy: no rule matched";

    private static readonly RuleWarning[] NoWarnings = [];
    private static readonly RuleEvaluation DefaultBlock =
        new(new Verdict(RuleAction.Block, null, null, DefaultPolicyReason, false, false), NoWarnings);

    private readonly HostnameIndex _index;
    // One ready-made answer per rule, so a match allocates nothing.
    private readonly RuleEvaluation[] _matchEvaluations;

    public IReadOnlyList<CompiledRule> Rules { get; }
    /// <summary>SHA-256 (hex) over the file names and contents, in file-name order.</summary>
    public string ContentHash { get; }
    public string Directory { get; }
    public DateTimeOffset LoadedAt { get; }

    public RuleSet(IReadOnlyList<CompiledRule> orderedRules, string contentHash, string directory, DateTimeOffset loadedAt)
    {
        Rules = orderedRules; ContentHash = contentHash; Directory = directory; LoadedAt = loadedAt;
        _index = new HostnameIndex(orderedRules);
        _matchEvaluations = new RuleEvaluation[orderedRules.Count];
        for (var i = 0; i < orderedRules.Count; i++)
        {
            var rule = orderedRules[i];
            _matchEvaluations[i] = new RuleEvaluation(
                new Verdict(rule.Action, rule.Id, rule.File, $"rule {rule.Id}", rule.Log, rule.AllowPrivateIps, rule.Mode),
                NoWarnings);
        }
    }

    public static RuleSet Empty(string directory) => new([], "", directory, DateTimeOffset.UtcNow);

    /// <summary>First allow/block match in order wins; no match -> BLOCK by the default policy.</summary>
    public RuleEvaluation Evaluate(EvaluationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        List<RuleWarning>? warnings = null;
        var candidates = _index.For(context.NetworkHostname, context.NetworkPort);
        while (candidates.MoveNext())
        {
            var ruleIndex = candidates.Current;
            var rule = Rules[ruleIndex];
            var result = rule.Program.Evaluate(context);
            string problem;
            if (result.IsError) problem = $"condition could not be evaluated: {result.Error}";
            else if (result.Value is bool matched)
            {
                if (!matched) continue;
                var match = _matchEvaluations[ruleIndex];
                return warnings is null ? match : match with { Warnings = warnings };
            }
            else problem = $"condition returned {CelValues.TypeName(result.Value)} instead of bool";
            // Anything but true or false is a non-match the operator should hear about (S003); the
            // message names the type, never the value, which could be a header's contents.
            (warnings ??= []).Add(new RuleWarning(rule.Id, rule.File, problem));
        }
        return warnings is null ? DefaultBlock : DefaultBlock with { Warnings = warnings };
    }
}
