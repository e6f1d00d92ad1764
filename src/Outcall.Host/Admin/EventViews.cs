using Outcall.Events;
using Outcall.Rules;

namespace Outcall.Host.Admin;

/// <summary>The event stream's and the explanation's shapes on the wire (snake_case through <see cref="AdminEnvelope.Json"/>).</summary>
public static class EventViews
{
    public sealed record Event(
        long Id, DateTimeOffset Time, string Decision, string Cause, string ClientIp, string Agent, string Method, string Host, int Port,
        string Path, string ServerName, string RuleId, string RuleFile, string Reason, long DecisionMs, Outcome? Outcome)
    {
        public static Event Of(TrafficEvent e) => new(e.Id, e.Time, e.Decision, e.Cause, e.ClientIp, e.Agent, e.Method, e.Host, e.Port, e.Path,
            e.ServerName, e.RuleId, e.RuleFile, e.Reason, e.DecisionMs,
            e.Outcome is { } o ? new Outcome(o.Status, o.BytesUp, o.BytesDown, o.DurationMs, o.End) : null);
    }

    public sealed record Outcome(int Status, long BytesUp, long BytesDown, long DurationMs, string End);

    public sealed record Rule(string Id, string File, int Line, string Action, string? Description, string Condition);

    public sealed record Step(string RuleId, string File, int Line, string Action, string Outcome, string? Message);

    public sealed record Explanation(string Summary, Rule? DecidingRule, IReadOnlyList<Step> Considered, string? AddressClass)
    {
        public static Explanation Of(Events.Explanation x) => new(x.Summary,
            x.DecidingRule is { } r ? new Rule(r.Id, r.File, r.Line, ActionName(r.Action), r.Description, r.Condition) : null,
            x.Considered.Select(s => new Step(s.RuleId, s.File, s.Line, ActionName(s.Action), OutcomeName(s.Outcome), s.Message)).ToList(),
            x.AddressClass);
    }

    public sealed record Explained(Event Event, Explanation Explanation);

    public static string ActionName(RuleAction action) => action == RuleAction.Allow ? "allow" : "block";

    public static string OutcomeName(RuleOutcome outcome) => outcome switch
    {
        RuleOutcome.Decided => "decided",
        RuleOutcome.ConditionFalse => "condition-false",
        RuleOutcome.RuntimeError => "runtime-error",
        _ => "skipped-by-index",
    };
}
