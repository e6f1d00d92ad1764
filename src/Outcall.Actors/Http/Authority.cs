using System.Net.Sockets;
using Outcall.Egress;

namespace Outcall.Http;

/// <summary>
/// A validated host with an optional port. Host is lowercased; an IPv6 literal is kept without
/// brackets in its canonical text so one address always reads the same way. Port is 0 when absent.
/// </summary>
internal readonly record struct Authority(string Host, int Port, bool IsIPv6)
{
    public string HostText => IsIPv6 ? "[" + Host + "]" : Host;

    public string Text => Port > 0 ? HostText + ":" + Port : HostText;

    /// <summary>
    /// Parses uri-host [":" port] strictly. A name is canonicalised by <see cref="HostName"/> (lowercase,
    /// one trailing root dot dropped: "localhost." is "localhost"), so rules, logs and the dial all see
    /// one spelling. Refused on purpose, because a resolver or another parser could read them
    /// differently: userinfo, percent-encoding, zone ids, a last label that does not start with a letter
    /// (so 127.1, 2130706433 or 0x7f.0.0.1 never reach a resolver as names), leading zeros in IPv4
    /// octets or in the port, and an empty port after a colon.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, bool portRequired, out Authority authority)
    {
        authority = default;
        ReadOnlySpan<char> host;
        ReadOnlySpan<char> rest;
        bool isV6 = false;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']');
            if (close < 0) return false;
            host = text[1..close];
            rest = text[(close + 1)..];
            isV6 = true;
        }
        else
        {
            var colon = text.IndexOf(':');
            host = colon < 0 ? text : text[..colon];
            rest = colon < 0 ? [] : text[colon..];
        }

        var port = 0;
        if (!rest.IsEmpty)
        {
            if (rest[0] != ':' || !TryParsePort(rest[1..], out port)) return false;
        }
        else if (portRequired)
        {
            return false;
        }

        string? canonical;
        if (isV6) canonical = CanonicalIPv6(host);
        else if (IsDottedQuad(host)) canonical = host.ToString();
        else canonical = HostName.TryCanonicalize(host, out var name) == HostNameProblem.None ? name : null;
        if (canonical is null) return false;
        authority = new Authority(canonical, port, isV6);
        return true;
    }

    /// <summary>1 to 5 digits without a leading zero, 1..65535.</summary>
    public static bool TryParsePort(ReadOnlySpan<char> digits, out int port)
    {
        port = 0;
        if (digits.IsEmpty || digits.Length > 5 || digits[0] == '0') return false;
        foreach (var c in digits)
        {
            if (c is < '0' or > '9') return false;
            port = port * 10 + (c - '0');
        }
        return port <= 65535;
    }

    /// <summary>A <see cref="HostName"/> without a trailing dot (the SNI rule of RFC 6066).</summary>
    public static bool IsDnsName(ReadOnlySpan<char> name) => HostName.IsValid(name);

    private static bool IsDottedQuad(ReadOnlySpan<char> host)
    {
        var parts = 0;
        foreach (var range in host.Split('.'))
        {
            var part = host[range];
            if (++parts > 4 || part.IsEmpty || part.Length > 3 || (part.Length > 1 && part[0] == '0')) return false;
            var value = 0;
            foreach (var c in part)
            {
                if (c is < '0' or > '9') return false;
                value = value * 10 + (c - '0');
            }
            if (value > 255) return false;
        }
        return parts == 4;
    }

    /// <summary>A bare IPv6 literal (no zone id, no IPvFuture) in its canonical text, by the guard's own literal rule.</summary>
    private static string? CanonicalIPv6(ReadOnlySpan<char> literal) =>
        HostLiteral.TryParse(literal.ToString(), out var address) && address.AddressFamily == AddressFamily.InterNetworkV6 ? address.ToString() : null;
}
