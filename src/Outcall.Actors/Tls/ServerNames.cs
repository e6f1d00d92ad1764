using System.Net;
using Outcall.Egress;
using Outcall.Http;

namespace Outcall.Tls;

/// <summary>What an SNI names, in the form rules and comparisons see it.</summary>
public static class ServerNames
{
    /// <summary>
    /// Outcall's canonical form of a host name (as for the URI host): lowercased, one trailing dot removed.
    /// An IP literal (any form a resolver takes as one, <see cref="HostLiteral"/>) is kept as sent. Null
    /// when the rest is neither a DNS name nor an IP literal.
    /// </summary>
    public static string? Canonical(string name)
    {
        var trimmed = name.EndsWith('.') ? name[..^1] : name;
        if (HostLiteral.TryParse(trimmed, out _)) return trimmed.ToLowerInvariant();
        return Authority.IsDnsName(trimmed) ? trimmed.ToLowerInvariant() : null;
    }

    /// <summary>The address an IP-literal SNI denotes; false for a DNS name.</summary>
    public static bool TryGetAddress(string serverName, out IPAddress address) => HostLiteral.TryParse(serverName, out address);

    /// <summary>
    /// Whether an SNI names the CONNECT host itself: the same name in canonical form, or the same address
    /// when both are IP literals (so <c>::1</c> and <c>0:0:0:0:0:0:0:1</c> are one host).
    /// </summary>
    public static bool NamesHost(string serverName, string connectHost)
    {
        var host = Canonical(connectHost) ?? connectHost;
        if (string.Equals(serverName, host, StringComparison.OrdinalIgnoreCase)) return true;
        return TryGetAddress(serverName, out var sni) && HostLiteral.TryParse(host, out var target) && sni.Equals(target);
    }
}
