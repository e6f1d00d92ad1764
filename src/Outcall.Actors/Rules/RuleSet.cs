using Outcall.Rules.Cel;

namespace Outcall.Rules;

/// <summary>An immutable, fully validated, ordered rule set. Thread-safe.</summary>
public sealed partial class RuleSet
{
    internal const string DefaultPolicyReason = "default policy: no rule matched";

    private static readonly RuleWarning[] NoWarnings = [];
    private static readonly Verdict DefaultBlockVerdict = new(RuleAction.Block, null, null, DefaultPolicyReason, false, false);

    private readonly HostnameIndex _index;
    // One ready-made answer per rule, so a match allocates nothing.
    private readonly RuleEvaluation[] _matchEvaluations;
    private readonly RuleEvaluation _defaultBlock;

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
                NoWarnings)
            { DecidedBy = this, RuleIndex = i };
        }
        _defaultBlock = new RuleEvaluation(DefaultBlockVerdict, NoWarnings) { DecidedBy = this };
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
            switch (Judge(rule, context, out var problem))
            {
                case RuleOutcome.Decided:
                    var match = _matchEvaluations[ruleIndex];
                    return warnings is null ? match : match with { Warnings = warnings };
                case RuleOutcome.RuntimeError:
                    (warnings ??= []).Add(new RuleWarning(rule.Id, rule.File, problem!));
                    break;
            }
        }
        return warnings is null ? _defaultBlock : _defaultBlock with { Warnings = warnings };
    }

    /// <summary>
    /// One rule's condition against a request: true decides, false does not, and anything else is a non-match
    /// the operator should hear about (S003), whose message names the type, never the value (it could be a
    /// header's contents). Shared by <see cref="Evaluate"/> and <see cref="Trace"/> so both judge alike.
    /// </summary>
    private static RuleOutcome Judge(CompiledRule rule, EvaluationContext context, out string? problem)
    {
        var result = rule.Program.Evaluate(context);
        problem = null;
        if (result.IsError) problem = $"condition could not be evaluated: {result.Error}";
        else if (result.Value is bool matched) return matched ? RuleOutcome.Decided : RuleOutcome.ConditionFalse;
        else problem = $"condition returned {CelValues.TypeName(result.Value)} instead of bool";
        return RuleOutcome.RuntimeError;
    }
}
