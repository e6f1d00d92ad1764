using Outcall.Rules;

namespace Outcall.Proxy;

/// <summary>
/// The one schema of a verdict's audit event (SC-007 / FR-013), for every verdict: allowed, blocked by a
/// rule or the default policy, refused for its destination, for its SNI, for an unknown agent, or because
/// the rule engine did not answer (EC-008). Operators filter on these property names; they are written by
/// <see cref="ConnectionLog.Verdict"/> alone. Nothing here is a header value, a query or a body.
/// </summary>
/// <param name="Decision"><c>ALLOW</c> or <c>BLOCK</c>.</param>
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
    public const string Allow = "ALLOW";
    public const string Block = "BLOCK";

    public bool IsAllowed => Decision == Allow;

    /// <summary>The verdict itself: allowed or blocked by the rules (or EC-008's unavailable engine).</summary>
    public static AuditEvent Of(JudgedRequest request, Verdict verdict) =>
        Create(request, verdict.IsAllowed ? Allow : Block, verdict.RuleId, verdict.File, verdict.Reason);

    /// <summary>A block the proxy decided past or without the rules: the destination guard, an unknown agent.</summary>
    public static AuditEvent Blocked(JudgedRequest request, string reason, Verdict? verdict) =>
        Create(request, Block, verdict?.RuleId, verdict?.File, reason);

    private static AuditEvent Create(JudgedRequest request, string decision, string? ruleId, string? ruleFile, string reason) =>
        new(decision, request.ClientIp, request.Agent, request.Head.Method, request.Head.Host, request.Head.Port, request.LoggedPath,
            request.ServerName, ruleId ?? "", ruleFile ?? "", reason, request.ElapsedMs);
}
