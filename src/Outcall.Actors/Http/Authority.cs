using System.Net;
using System.Net.Sockets;

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
    /// Parses uri-host [":" port] strictly. Refused on purpose, because a resolver or another parser
    /// could read them differently: userinfo, percent-encoding, zone ids, a trailing dot, a last label
    /// that does not start with a letter (so 127.1, 2130706433 or 0x7f.0.0.1 never reach a resolver
    /// as names), leading zeros in IPv4 octets or in the port, and an empty port after a colon.
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
        else canonical = IsDnsName(host) ? host.ToString().ToLowerInvariant() : null;
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

    /// <summary>
    /// An LDH host name (underscores tolerated): labels of 1-63 characters not starting or ending
    /// with '-', at most 253 characters, no trailing dot, last label starting with a letter.
    /// </summary>
    public static bool IsDnsName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || name.Length > 253) return false;
        var labelStart = 0;
        for (var i = 0; i <= name.Length; i++)
        {
            if (i < name.Length && name[i] != '.')
            {
                var c = name[i];
                if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')) return false;
                continue;
            }
            var label = name[labelStart..i];
            if (label.IsEmpty || label.Length > 63 || label[0] == '-' || label[^1] == '-') return false;
            if (i == name.Length && !char.IsAsciiLetter(label[0])) return false;
            labelStart = i + 1;
        }
        return true;
    }

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

    private static string? CanonicalIPv6(ReadOnlySpan<char> literal)
    {
        // Only hex digits, colons and dots: no zone id ("%eth0"), no IPvFuture ("v1.x").
        if (literal.IsEmpty) return null;
        foreach (var c in literal)
            if (!(char.IsAsciiHexDigit(c) || c is ':' or '.')) return null;
        if (!IPAddress.TryParse(literal, out var address) || address.AddressFamily != AddressFamily.InterNetworkV6 || address.ScopeId != 0)
            return null;
        return address.ToString();
    }
}
