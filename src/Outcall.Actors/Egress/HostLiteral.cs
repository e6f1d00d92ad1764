using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace Outcall.Egress;

/// <summary>
/// Recognises IP literals the way a libc resolver would, so that a literal is never handed to DNS and
/// classified under a name it does not have. IPv4 follows inet_aton: one to four parts, each decimal,
/// 0x-hex or leading-0 octal, the last part filling the remaining bytes (so 2130706433, 0x7f.1,
/// 0177.0.0.1 and 127.1 all denote 127.0.0.1). IPv6 must be bare (no brackets, no zone id, no prefix).
/// Anything that is not exactly such a literal is not one; the guard then refuses hosts that merely
/// look numeric (see <see cref="DestinationGuard"/>).
/// </summary>
public static class HostLiteral
{
    // "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255" is the longest IPv6 literal.
    private const int MaxIpv6Length = 45;

    private static readonly SearchValues<char> Ipv6Characters = SearchValues.Create("0123456789abcdefABCDEF:.");

    /// <summary>
    /// True when <paramref name="host"/> is an IP literal in any form a resolver would accept as one
    /// (dotted quad, IPv6 without brackets, and the odd inet_aton forms 2130706433, 0x7f.1, 0177.0.0.1,
    /// 127.1), with the address it denotes.
    /// </summary>
    public static bool TryParse(string host, out IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(host);
        address = IPAddress.None;
        return host.Contains(':') ? TryParseIpv6(host, ref address) : TryParseIpv4(host, ref address);
    }

    private static bool TryParseIpv6(string host, ref IPAddress address)
    {
        // IPAddress.TryParse also takes brackets, ports, zone ids and prefix lengths; none is a bare literal.
        if (host.Length > MaxIpv6Length || host.AsSpan().ContainsAnyExcept(Ipv6Characters))
        {
            return false;
        }

        if (!IPAddress.TryParse(host, out var parsed) || parsed.AddressFamily != AddressFamily.InterNetworkV6 || parsed.ScopeId != 0)
        {
            return false;
        }

        address = parsed;
        return true;
    }

    private static bool TryParseIpv4(string host, ref IPAddress address)
    {
        Span<uint> parts = stackalloc uint[4];
        var count = 0;
        var rest = host.AsSpan();
        while (true)
        {
            if (count == parts.Length)
            {
                return false;
            }

            var dot = rest.IndexOf('.');
            var part = dot < 0 ? rest : rest[..dot];
            if (!TryParsePart(part, out parts[count]))
            {
                return false;
            }

            count++;
            if (dot < 0)
            {
                break;
            }

            rest = rest[(dot + 1)..];
        }

        // Every part but the last is one byte; the last fills the bytes that are left.
        uint value = 0;
        for (var i = 0; i < count - 1; i++)
        {
            if (parts[i] > 0xFF)
            {
                return false;
            }

            value |= parts[i] << (24 - (8 * i));
        }

        var lastBits = 8 * (4 - (count - 1));
        var last = parts[count - 1];
        if (lastBits < 32 && last >> lastBits != 0)
        {
            return false;
        }

        value |= last;
        address = new IPAddress([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]);
        return true;
    }

    private static bool TryParsePart(ReadOnlySpan<char> part, out uint value)
    {
        value = 0;
        uint radix = 10;
        if (part.Length > 1 && part[0] == '0' && (part[1] == 'x' || part[1] == 'X'))
        {
            radix = 16;
            part = part[2..];
        }
        else if (part.Length > 1 && part[0] == '0')
        {
            radix = 8;
            part = part[1..];
        }

        if (part.IsEmpty)
        {
            return false;
        }

        ulong accumulated = 0;
        foreach (var c in part)
        {
            var digit = DigitValue(c);
            if (digit >= radix)
            {
                return false;
            }

            accumulated = (accumulated * radix) + digit;
            if (accumulated > uint.MaxValue)
            {
                return false;
            }
        }

        value = (uint)accumulated;
        return true;
    }

    private static uint DigitValue(char c) => c switch
    {
        >= '0' and <= '9' => (uint)(c - '0'),
        >= 'a' and <= 'f' => (uint)(c - 'a' + 10),
        >= 'A' and <= 'F' => (uint)(c - 'A' + 10),
        _ => uint.MaxValue,
    };
}
