namespace Outcall.Rules;

/// <summary>
/// How an allowed CONNECT is carried (a rule's <c>egress.mode</c>, S011-FR-003). Proxy, the default, tunnels
/// the bytes unread; Intercept terminates the agent's TLS so every request inside is judged (issue 14).
/// </summary>
public enum EgressMode { Proxy, Intercept }

/// <summary>What a load needs to know about the node. <see cref="Default"/> is a node with no CA: intercept rules are refused.</summary>
public sealed record RuleLoadOptions(bool CaConfigured)
{
    public static RuleLoadOptions Default { get; } = new(CaConfigured: false);
}
