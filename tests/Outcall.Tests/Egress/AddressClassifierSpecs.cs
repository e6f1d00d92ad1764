using System.Net;
using Outcall.Egress;

namespace Outcall.Tests.Egress;

/// <summary>FR-026 / EC-016: every special-purpose range, at its first and last address and just outside.</summary>
public class AddressClassifierSpecs
{
    public static TheoryData<string, AddressCategory> Ipv4Ranges => new()
    {
        { "0.0.0.0", AddressCategory.Unspecified },
        { "0.255.255.255", AddressCategory.Unspecified },
        { "1.0.0.0", AddressCategory.Public },
        { "9.255.255.255", AddressCategory.Public },
        { "10.0.0.0", AddressCategory.Private },
        { "10.255.255.255", AddressCategory.Private },
        { "11.0.0.0", AddressCategory.Public },
        { "100.63.255.255", AddressCategory.Public },
        { "100.64.0.0", AddressCategory.SharedAddressSpace },
        { "100.127.255.255", AddressCategory.SharedAddressSpace },
        { "100.128.0.0", AddressCategory.Public },
        { "126.255.255.255", AddressCategory.Public },
        { "127.0.0.0", AddressCategory.Loopback },
        { "127.0.0.1", AddressCategory.Loopback },
        { "127.255.255.255", AddressCategory.Loopback },
        { "128.0.0.0", AddressCategory.Public },
        { "169.253.255.255", AddressCategory.Public },
        { "169.254.0.0", AddressCategory.LinkLocal },
        { "169.254.169.254", AddressCategory.LinkLocal },
        { "169.254.255.255", AddressCategory.LinkLocal },
        { "169.255.0.0", AddressCategory.Public },
        { "172.15.255.255", AddressCategory.Public },
        { "172.16.0.0", AddressCategory.Private },
        { "172.31.255.255", AddressCategory.Private },
        { "172.32.0.0", AddressCategory.Public },
        { "191.255.255.255", AddressCategory.Public },
        { "192.0.0.0", AddressCategory.ProtocolAssignments },
        { "192.0.0.255", AddressCategory.ProtocolAssignments },
        { "192.0.1.0", AddressCategory.Public },
        { "192.0.1.255", AddressCategory.Public },
        { "192.0.2.0", AddressCategory.Documentation },
        { "192.0.2.255", AddressCategory.Documentation },
        { "192.0.3.0", AddressCategory.Public },
        { "192.88.98.255", AddressCategory.Public },
        { "192.88.99.0", AddressCategory.Reserved },
        { "192.88.99.255", AddressCategory.Reserved },
        { "192.88.100.0", AddressCategory.Public },
        { "192.167.255.255", AddressCategory.Public },
        { "192.168.0.0", AddressCategory.Private },
        { "192.168.255.255", AddressCategory.Private },
        { "192.169.0.0", AddressCategory.Public },
        { "198.17.255.255", AddressCategory.Public },
        { "198.18.0.0", AddressCategory.Benchmarking },
        { "198.19.255.255", AddressCategory.Benchmarking },
        { "198.20.0.0", AddressCategory.Public },
        { "198.51.99.255", AddressCategory.Public },
        { "198.51.100.0", AddressCategory.Documentation },
        { "198.51.100.255", AddressCategory.Documentation },
        { "198.51.101.0", AddressCategory.Public },
        { "203.0.112.255", AddressCategory.Public },
        { "203.0.113.0", AddressCategory.Documentation },
        { "203.0.113.255", AddressCategory.Documentation },
        { "203.0.114.0", AddressCategory.Public },
        { "223.255.255.255", AddressCategory.Public },
        { "224.0.0.0", AddressCategory.Multicast },
        { "239.255.255.255", AddressCategory.Multicast },
        { "240.0.0.0", AddressCategory.Reserved },
        { "255.255.255.254", AddressCategory.Reserved },
        { "255.255.255.255", AddressCategory.Broadcast },
        { "8.8.8.8", AddressCategory.Public },
    };

    public static TheoryData<string, AddressCategory> Ipv6Ranges => new()
    {
        { "::", AddressCategory.Unspecified },
        { "::1", AddressCategory.Loopback },
        { "::2", AddressCategory.Ipv4Compatible },
        { "::127.0.0.1", AddressCategory.Ipv4Compatible },
        { "::255.255.255.255", AddressCategory.Ipv4Compatible },
        { "::1:0:0", AddressCategory.Reserved },
        { "::fffe:ffff:ffff", AddressCategory.Reserved },
        { "::ffff:0.0.0.0", AddressCategory.Ipv4Mapped },
        { "::ffff:127.0.0.1", AddressCategory.Ipv4Mapped },
        { "::ffff:8.8.8.8", AddressCategory.Ipv4Mapped },
        { "::ffff:255.255.255.255", AddressCategory.Ipv4Mapped },
        { "::1:0:0:0", AddressCategory.Reserved },
        { "64:ff9a:ffff:ffff:ffff:ffff:ffff:ffff", AddressCategory.Reserved },
        { "64:ff9b::", AddressCategory.Nat64 },
        { "64:ff9b::7f00:1", AddressCategory.Nat64 },
        { "64:ff9b::ffff:ffff", AddressCategory.Nat64 },
        { "64:ff9b::1:0:0", AddressCategory.Reserved },
        { "64:ff9b:1::", AddressCategory.Nat64 },
        { "64:ff9b:1:ffff:ffff:ffff:ffff:ffff", AddressCategory.Nat64 },
        { "64:ff9b:2::", AddressCategory.Reserved },
        { "100::", AddressCategory.Reserved },
        { "100::ffff:ffff:ffff:ffff", AddressCategory.Reserved },
        { "100:0:0:1::", AddressCategory.Reserved },
        { "1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", AddressCategory.Reserved },
        { "2000::", AddressCategory.Public },
        { "2001::", AddressCategory.Teredo },
        { "2001:0:4136:e378:8000:63bf:80ff:fffe", AddressCategory.Teredo },
        { "2001:0:ffff:ffff:ffff:ffff:ffff:ffff", AddressCategory.Teredo },
        { "2001:1::1", AddressCategory.ProtocolAssignments },
        { "2001:2::", AddressCategory.Benchmarking },
        { "2001:2:0:ffff:ffff:ffff:ffff:ffff", AddressCategory.Benchmarking },
        { "2001:2:1::", AddressCategory.ProtocolAssignments },
        { "2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", AddressCategory.ProtocolAssignments },
        { "2001:200::", AddressCategory.Public },
        { "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", AddressCategory.Public },
        { "2001:db8::", AddressCategory.Documentation },
        { "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", AddressCategory.Documentation },
        { "2001:db9::", AddressCategory.Public },
        { "2001:4860:4860::8888", AddressCategory.Public },
        { "2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff", AddressCategory.Public },
        { "2002::", AddressCategory.SixToFour },
        { "2002:7f00:1::", AddressCategory.SixToFour },
        { "2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff", AddressCategory.SixToFour },
        { "2003::", AddressCategory.Public },
        { "2606:4700::1111", AddressCategory.Public },
        { "3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", AddressCategory.Public },
        { "3fff::", AddressCategory.Documentation },
        { "3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", AddressCategory.Documentation },
        { "3fff:1000::", AddressCategory.Public },
        { "3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", AddressCategory.Public },
        { "4000::", AddressCategory.Reserved },
        { "5f00::", AddressCategory.Reserved },
        { "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", AddressCategory.Reserved },
        { "fc00::", AddressCategory.UniqueLocal },
        { "fd00:ec2::254", AddressCategory.UniqueLocal },
        { "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", AddressCategory.UniqueLocal },
        { "fe00::", AddressCategory.Reserved },
        { "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", AddressCategory.Reserved },
        { "fe80::", AddressCategory.LinkLocal },
        { "fe80::1", AddressCategory.LinkLocal },
        { "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", AddressCategory.LinkLocal },
        { "fec0::", AddressCategory.Reserved },
        { "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", AddressCategory.Reserved },
        { "ff00::", AddressCategory.Multicast },
        { "ff02::1", AddressCategory.Multicast },
        { "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", AddressCategory.Multicast },
    };

    [Theory]
    [MemberData(nameof(Ipv4Ranges))]
    public void An_IPv4_address_falls_in_its_special_purpose_range(string address, AddressCategory expected) =>
        Assert.Equal(expected, AddressClassifier.Classify(IPAddress.Parse(address)));

    [Theory]
    [MemberData(nameof(Ipv6Ranges))]
    public void An_IPv6_address_falls_in_its_special_purpose_range(string address, AddressCategory expected) =>
        Assert.Equal(expected, AddressClassifier.Classify(IPAddress.Parse(address)));

    [Fact]
    public void A_link_local_IPv6_address_with_a_zone_is_still_link_local() =>
        Assert.Equal(AddressCategory.LinkLocal, AddressClassifier.Classify(new IPAddress(IPAddress.Parse("fe80::1").GetAddressBytes(), 3)));

    [Fact]
    public void A_mapped_public_IPv4_address_is_refused_as_a_category_rather_than_unwrapped() =>
        Assert.Equal(AddressCategory.Ipv4Mapped, AddressClassifier.Classify(IPAddress.Parse("8.8.8.8").MapToIPv6()));
}
