using System.Globalization;
using System.Text.Json;
using Outcall.Events;
using Outcall.Host.Admin;
using Outcall.Rules;

namespace Outcall.Host.Cli;

/// <summary>
/// `outcall rules explain --context JSON [--rules-dir DIR] [--json]` (issue 15): the verdict a rules directory gives one
/// request context, explained as an event is (the deciding rule; for a block every rule considered and why it did not
/// decide), without traffic. Exit 0 explained (allow or block), 1 the rules or the context are wrong.
/// </summary>
public sealed record RulesExplainCommand(string Context, string? RulesDir, string? ConfigFile, bool Json) : CliCommand
{
    public override Task<int> RunAsync(TextWriter stdout, TextWriter stderr)
    {
        EvaluationContext context;
        try
        {
            context = EvaluationContextJson.Parse(Context);
        }
        catch (FormatException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return Task.FromResult(1);
        }
        if (RulesCommand.Load(RulesCommand.RulesDirectory(RulesDir, ConfigFile), stderr).RuleSet is not { } ruleSet) return Task.FromResult(1);

        var explanation = VerdictExplainer.Explain(ruleSet.Trace(context));
        // As for events: the rules considered are told for blocks only.
        if (explanation.DecidingRule?.Action == RuleAction.Allow) explanation = explanation with { Considered = [] };
        if (Json) stdout.WriteLine(JsonSerializer.Serialize(EventViews.Explanation.Of(explanation), AdminEnvelope.Json));
        else Print(explanation, stdout);
        return Task.FromResult(0);
    }

    /// <summary>The summary, the deciding rule with its condition, then one line per rule considered.</summary>
    internal static void Print(Explanation explanation, TextWriter stdout)
    {
        stdout.WriteLine(explanation.Summary);
        if (explanation.DecidingRule is { } rule)
        {
            stdout.WriteLine($"rule:      {rule.Id} ({rule.Location}), {EventViews.ActionName(rule.Action)}");
            if (rule.Description is { Length: > 0 } description) stdout.WriteLine($"about:     {description}");
            stdout.WriteLine($"condition: {RulesCommand.OneLine(rule.Condition)}");
        }
        if (explanation.Considered.Count == 0) return;
        stdout.WriteLine("considered:");
        var idWidth = explanation.Considered.Max(s => s.RuleId.Length);
        var whereWidth = explanation.Considered.Max(s => Where(s).Length);
        foreach (var step in explanation.Considered)
        {
            var outcome = EventViews.OutcomeName(step.Outcome) + (step.Message is { } message ? $": {message}" : "");
            stdout.WriteLine($"  {step.RuleId.PadRight(idWidth)}  {Where(step).PadRight(whereWidth)}  {EventViews.ActionName(step.Action),-5}  {outcome}");
        }
    }

    private static string Where(RuleStep step) => step.Line > 0 ? $"{step.File}:{step.Line.ToString(CultureInfo.InvariantCulture)}" : step.File;
}
