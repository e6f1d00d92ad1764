namespace Outcall.Rules;

/// <summary>The answer for one request: what to do, which rule said so, and why (IF-004 reason).</summary>
/// <param name="Mode">For an allowed CONNECT: tunnel it, or intercept it (issue 14).</param>
public sealed record Verdict(RuleAction Decision, string? RuleId, string? File, string Reason, bool Logged, bool AllowPrivateIps, EgressMode Mode = EgressMode.Proxy)
{
    public bool IsAllowed => Decision == RuleAction.Allow;

    /// <summary>
    /// Let through by observe mode although the rules blocked it (<see cref="RuleId"/> is the blocking rule, null for
    /// the default policy): carried on like an allow, audited as WOULD_BLOCK. Set by the proxy's observe policy only.
    /// </summary>
    public bool WouldBlock { get; init; }
    /// <summary>EC-008: what every failure to judge turns into. Never configurable.</summary>
    public static readonly Verdict EngineUnavailable = new(RuleAction.Block, null, null, "rule engine unavailable", false, false);
}
