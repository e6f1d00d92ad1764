using Outcall.Egress;
using Outcall.Events;
using Outcall.Rules;

namespace Outcall.Proxy;

/// <summary>
/// The one schema of a verdict's audit event (SC-007 / FR-013), for every verdict: allowed, blocked by a
/// rule or the default policy, refused for its destination, for its SNI, for an unknown agent, or because
/// the rule engine did not answer (EC-008). Operators filter on these property names; they are written by
/// <see cref="ConnectionLog.Verdict"/> alone. Nothing here is a header value, a query or a body.
/// </summary>
/// <param name="Decision"><c>ALLOW</c>, <c>BLOCK</c>, or <c>WOULD_BLOCK</c> (blocked by the rules, let through by observe mode).</param>
/// <param name="Host">The host the request or CONNECT named.</param>
/// <param name="Path">The path without its query; "" for a CONNECT.</param>
/// <param name="ServerName">The SNI the verdict is about; "" when the request itself was judged.</param>
/// <param name="RuleId">The deciding rule; "" for the default policy or a refusal before any rule.</param>
/// <param name="Reason">Why: the verdict's reason, or the destination guard's.</param>
/// <param name="DurationMs">Time to decide, from the start of this judgement.</param>
public readonly record struct AuditEvent(
    string Decision, string ClientIp, string Agent, string Method, string Host, int Port, string Path, string ServerName,
    string RuleId, string RuleFile, string Reason, long DurationMs)
{
    public const string Allow = TrafficEvent.Allow;
    public const string Block = TrafficEvent.Block;
    public const string WouldBlock = TrafficEvent.WouldBlock;

    /// <summary>What decided: rule, default-policy, destination, engine-unavailable or admission.</summary>
    public string Cause { get; init; } = "";

    /// <summary>For the event's explanation only, never logged: the context and the set that judged it.</summary>
    public EvaluationContext? Context { get; init; }
    public RuleSet? DecidedBy { get; init; }

    /// <summary>A destination refusal's address class.</summary>
    public string? AddressClass { get; init; }

    public bool IsAllowed => Decision == Allow;

    /// <summary>The verdict itself: allowed (or let through by observe mode) or blocked by the rules.</summary>
    public static AuditEvent Of(JudgedRequest request, Verdict verdict) =>
        Create(request, DecisionOf(verdict), verdict.RuleId, verdict.File, verdict.Reason) with
        {
            Cause = CauseOf(verdict),
            Context = request.WouldBlockIn is null ? null : request.Context,
            DecidedBy = request.WouldBlockIn,
        };

    /// <summary>The rules' verdict with the set that gave it (or EC-008's unavailable engine), so a block can be explained.</summary>
    public static AuditEvent Of(JudgedRequest request, RuleEvaluation evaluation) =>
        Of(request, evaluation.Verdict) with { Context = request.Context, DecidedBy = evaluation.DecidedBy };

    /// <summary>A block the proxy decided without the rules: an unknown agent.</summary>
    public static AuditEvent Blocked(JudgedRequest request, string reason, Verdict? verdict) =>
        Create(request, Block, verdict?.RuleId, verdict?.File, reason) with { Cause = "admission" };

    /// <summary>A block past the rules: the destination guard refused what <paramref name="verdict"/> allowed.</summary>
    public static AuditEvent Refused(JudgedRequest request, DestinationCheck check, Verdict verdict) =>
        Create(request, Block, verdict.RuleId, verdict.File, check.Reason ?? "destination not allowed")
            with
        { Cause = "destination", AddressClass = check.AddressClass, DecidedBy = request.WouldBlockIn };

    private static string DecisionOf(Verdict verdict) => verdict.WouldBlock ? WouldBlock : verdict.IsAllowed ? Allow : Block;

    private static string CauseOf(Verdict verdict) =>
        ReferenceEquals(verdict, Verdict.EngineUnavailable) ? "engine-unavailable" : verdict.RuleId is null ? "default-policy" : "rule";

    private static AuditEvent Create(JudgedRequest request, string decision, string? ruleId, string? ruleFile, string reason) =>
        new(decision, request.ClientIp, request.Agent, request.Head.Method, request.Head.Host, request.Head.Port, request.LoggedPath,
            request.ServerName, ruleId ?? "", ruleFile ?? "", reason, request.ElapsedMs);
}
