using System.Buffers.Binary;
using System.Net;

namespace Outcall.Egress;

/// <summary>
/// Sorts an address into the special-purpose ranges of the IANA IPv4 and IPv6 registries (FR-026 / EC-016).
/// Every IPv6 form that embeds an IPv4 address (mapped, compatible, 6to4, NAT64, Teredo) is its own
/// non-public category instead of being unwrapped: the embedded address may be anything, the translator
/// that would carry it may sit inside the network, and a rule that really needs one can opt in with
/// egress.allow_private_ips. Checks run from the most specific prefix to the least.
/// </summary>
public static class AddressClassifier
{
    /// <summary>The most specific category of an address; only Public may be dialled without opt-in.</summary>
    public static AddressCategory Classify(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        _ = address.TryWriteBytes(bytes, out var written); // 16 bytes hold either family
        return written == 4
            ? ClassifyIpv4(BinaryPrimitives.ReadUInt32BigEndian(bytes))
            : ClassifyIpv6(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]));
    }

    private static AddressCategory ClassifyIpv4(uint a) => a switch
    {
        _ when In(a, 0x00000000, 8) => AddressCategory.Unspecified, // "this network": 0.0.0.0 reaches localhost on Linux
        _ when In(a, 0x0A000000, 8) => AddressCategory.Private,
        _ when In(a, 0x64400000, 10) => AddressCategory.SharedAddressSpace, // CGNAT
        _ when In(a, 0x7F000000, 8) => AddressCategory.Loopback,
        _ when In(a, 0xA9FE0000, 16) => AddressCategory.LinkLocal, // cloud metadata lives at 169.254.169.254
        _ when In(a, 0xAC100000, 12) => AddressCategory.Private,
        _ when In(a, 0xC0000000, 24) => AddressCategory.ProtocolAssignments,
        _ when In(a, 0xC0000200, 24) => AddressCategory.Documentation,
        _ when In(a, 0xC0586300, 24) => AddressCategory.Reserved, // deprecated 6to4 relay anycast (RFC 7526)
        _ when In(a, 0xC0A80000, 16) => AddressCategory.Private,
        _ when In(a, 0xC6120000, 15) => AddressCategory.Benchmarking,
        _ when In(a, 0xC6336400, 24) => AddressCategory.Documentation,
        _ when In(a, 0xCB007100, 24) => AddressCategory.Documentation,
        _ when In(a, 0xE0000000, 4) => AddressCategory.Multicast,
        0xFFFFFFFF => AddressCategory.Broadcast,
        _ when In(a, 0xF0000000, 4) => AddressCategory.Reserved,
        _ => AddressCategory.Public,
    };

    private static AddressCategory ClassifyIpv6(ulong high, ulong low) => (high, low) switch
    {
        (0, 0) => AddressCategory.Unspecified,
        (0, 1) => AddressCategory.Loopback,
        (0, _) when low >> 32 == 0x0000FFFF => AddressCategory.Ipv4Mapped,
        (0, _) when low >> 32 == 0 => AddressCategory.Ipv4Compatible,
        _ when high == 0x0064FF9B00000000 && low >> 32 == 0 => AddressCategory.Nat64, // 64:ff9b::/96
        _ when In(high, 0x0064FF9B0001UL << 16, 48) => AddressCategory.Nat64, // 64:ff9b:1::/48, local-use NAT64
        (0x0100000000000000, _) => AddressCategory.Reserved, // 100::/64 discard-only
        _ when In(high, 0x20010000UL << 32, 32) => AddressCategory.Teredo,
        _ when In(high, 0x20010002UL << 32, 48) => AddressCategory.Benchmarking,
        _ when In(high, 0x2001UL << 48, 23) => AddressCategory.ProtocolAssignments, // rest of 2001::/23
        _ when In(high, 0x20010DB8UL << 32, 32) => AddressCategory.Documentation,
        _ when In(high, 0x2002UL << 48, 16) => AddressCategory.SixToFour,
        _ when In(high, 0x3FFFUL << 48, 20) => AddressCategory.Documentation, // 3fff::/20 (RFC 9637)
        _ when In(high, 0x5F00UL << 48, 16) => AddressCategory.Reserved, // SRv6 SIDs (RFC 9602), not global
        _ when In(high, 0xFC00UL << 48, 7) => AddressCategory.UniqueLocal, // includes metadata fd00:ec2::254
        _ when In(high, 0xFE80UL << 48, 10) => AddressCategory.LinkLocal,
        _ when In(high, 0xFEC0UL << 48, 10) => AddressCategory.Reserved, // deprecated site-local
        _ when In(high, 0xFF00UL << 48, 8) => AddressCategory.Multicast,
        _ when !In(high, 0x2000UL << 48, 3) => AddressCategory.Reserved, // outside global unicast
        _ => AddressCategory.Public,
    };

    private static bool In(uint address, uint prefix, int length) => (address ^ prefix) >> (32 - length) == 0;

    private static bool In(ulong high, ulong prefix, int length) => (high ^ prefix) >> (64 - length) == 0;
}
