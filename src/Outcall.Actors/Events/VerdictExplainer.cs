using System.Globalization;
using Outcall.Rules;

namespace Outcall.Events;

/// <summary>Where a rule is written and what it says, for an explanation.</summary>
public sealed record ExplainedRule(string Id, string File, int Line, RuleAction Action, string? Description, string Condition)
{
    public static ExplainedRule Of(CompiledRule rule) => new(rule.Id, rule.File, rule.Line, rule.Action, rule.Description, rule.ExpandedCondition);

    public string Location => Line > 0 ? $"{File}:{Line.ToString(CultureInfo.InvariantCulture)}" : File;
}

/// <summary>
/// Why a verdict was given: one sentence, the deciding rule, and for blocks (and would-blocks) every rule
/// considered, in order, with why it did not decide; for a destination refusal the refused address class.
/// </summary>
public sealed record Explanation(string Summary, ExplainedRule? DecidingRule, IReadOnlyList<RuleStep> Considered, string? AddressClass);

/// <summary>Explanations from what an event or a trace holds: pure, computed on demand, never on the request path.</summary>
public static class VerdictExplainer
{
    public static Explanation Explain(TrafficEvent e)
    {
        var rule = e.RuleSet?.Rules.FirstOrDefault(r => r.Id == e.RuleId) is { } compiled ? ExplainedRule.Of(compiled) : null;
        var steps = e.Trace?.Steps ?? [];
        var bySni = e.ServerName.Length > 0 ? $"Judged by its SNI {e.ServerName}: " : "";
        var named = rule is null ? $"rule {e.RuleId}" : $"rule {rule.Id} ({rule.Location})";
        var summary = (e.Decision, e.Cause) switch
        {
            (TrafficEvent.Allow, _) => $"{bySni}allowed by {named}.",
            (TrafficEvent.WouldBlock, "default-policy") => $"{bySni}observe mode let it through; the default policy would block it: no rule matched ({Counts(steps)}).",
            (TrafficEvent.WouldBlock, _) => $"{bySni}observe mode let it through; {named} would block it.",
            // Observe mode let past what a block rule or the default policy decided, and the guard still refused it.
            (_, "destination") when rule?.Action == RuleAction.Block || e.RuleId.Length == 0 =>
                $"{bySni}observe mode let it past {(e.RuleId.Length == 0 ? "the default policy" : named)}, but the destination guard refused it: {e.Reason}"
                + (e.AddressClass is null ? "." : $" (address class: {e.AddressClass})."),
            (_, "destination") => $"{bySni}{named} allowed it, but the destination guard refused it: {e.Reason}"
                                  + (e.AddressClass is null ? "." : $" (address class: {e.AddressClass})."),
            (_, "engine-unavailable") => $"{bySni}blocked: the rule engine did not answer in time, so no rule was consulted (EC-008).",
            (_, "admission") => $"Refused before the rules: {e.Reason}.",
            (_, "default-policy") => $"{bySni}blocked by the default policy: no rule matched ({Counts(steps)}).",
            _ => $"{bySni}blocked by {named}.",
        };
        return new Explanation(Capitalized(summary), rule, steps, e.AddressClass);
    }

    /// <summary>The explanation of a context judged without traffic (`outcall rules explain`).</summary>
    public static Explanation Explain(RuleTrace trace)
    {
        var steps = trace.Steps;
        var rule = trace.Decider is { } decider ? ExplainedRule.Of(decider) : null;
        var summary = rule is null
            ? $"Blocked by the default policy: no rule matched ({Counts(steps)})."
            : $"{(rule.Action == RuleAction.Allow ? "Allowed" : "Blocked")} by rule {rule.Id} ({rule.Location}).";
        return new Explanation(summary, rule, steps, null);
    }

    private static string Counts(IReadOnlyList<RuleStep> steps)
    {
        int skipped = 0, failed = 0;
        foreach (var step in steps)
        {
            if (step.Outcome == RuleOutcome.SkippedByIndex) skipped++;
            else if (step.Outcome == RuleOutcome.RuntimeError) failed++;
        }
        var evaluated = steps.Count - skipped;
        return $"{evaluated} evaluated, {failed} with runtime errors, {skipped} skipped by the hostname index";
    }

    private static string Capitalized(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
