using Outcall.Rules;

namespace Outcall.Events;

/// <summary>
/// One verdict as the event stream and the admin page see it (issue 15): the audit line's fields, an id,
/// and, once the request or tunnel ended, its <see cref="Outcome"/>. Like the logs (SC-007) it carries no
/// query, header value, body or credential.
/// </summary>
/// <param name="Id">Increasing per node from 1.</param>
/// <param name="Decision"><c>ALLOW</c>, <c>BLOCK</c> or <c>WOULD_BLOCK</c> (observe mode let through what the rules block).</param>
/// <param name="Cause">What decided: rule, default-policy, destination, engine-unavailable or admission.</param>
/// <param name="Path">Without its query; "" for a CONNECT.</param>
/// <param name="ServerName">The SNI this verdict judged; "" when the request itself was judged.</param>
/// <param name="DecisionMs">Time to decide.</param>
public sealed record TrafficEvent(
    long Id, DateTimeOffset Time, string Decision, string Cause, string ClientIp, string Agent, string Method, string Host, int Port,
    string Path, string ServerName, string RuleId, string RuleFile, string Reason, long DecisionMs)
{
    public const string Allow = "ALLOW";
    public const string Block = "BLOCK";
    public const string WouldBlock = "WOULD_BLOCK";

    /// <summary>How the request or tunnel ended; null while it runs, and for a block (its 403 is the whole story).</summary>
    public EventOutcome? Outcome { get; init; }

    /// <summary>The set that judged it, by reference (shared, no copy): where the deciding rule is written.</summary>
    public RuleSet? RuleSet { get; init; }

    /// <summary>The rule trace, taken for blocks and would-blocks only, so an allow costs nothing extra.</summary>
    public RuleTrace? Trace { get; init; }

    /// <summary>A destination refusal's address class: loopback, private, ..., or the proxy itself.</summary>
    public string? AddressClass { get; init; }
}

/// <summary>The end of an allowed request or tunnel: the response status (0 when none was relayed), bytes each way, time since the verdict.</summary>
/// <param name="End">completed, aborted, tunnel-closed, dns-failed or connect-failed.</param>
public sealed record EventOutcome(int Status, long BytesUp, long BytesDown, long DurationMs, string End);
