using System.Net;
using Outcall.Egress;

namespace Outcall.Tests.Egress;

/// <summary>FR-026 / EC-016: IP literals in every form a libc resolver accepts, and nothing more.</summary>
public class HostLiteralSpecs
{
    public static TheoryData<string, string> Literals => new()
    {
        { "127.0.0.1", "127.0.0.1" },
        { "2130706433", "127.0.0.1" },
        { "0x7f000001", "127.0.0.1" },
        { "0X7F000001", "127.0.0.1" },
        { "017700000001", "127.0.0.1" },
        { "0x7f.1", "127.0.0.1" },
        { "0177.0.0.1", "127.0.0.1" },
        { "0x7f.0.0.1", "127.0.0.1" },
        { "127.1", "127.0.0.1" },
        { "127.0.1", "127.0.0.1" },
        { "127.0.0x1", "127.0.0.1" },
        { "0x7f.0x0.0x0.0x1", "127.0.0.1" },
        { "0", "0.0.0.0" },
        { "00", "0.0.0.0" },
        { "0x0", "0.0.0.0" },
        { "4294967295", "255.255.255.255" },
        { "0xffffffff", "255.255.255.255" },
        { "169.254.43518", "169.254.169.254" },
        { "10.0xffffff", "10.255.255.255" },
        { "1.2.65535", "1.2.255.255" },
        { "255.255.255.255", "255.255.255.255" },
        { "8.8.8.8", "8.8.8.8" },
        { "::1", "::1" },
        { "::", "::" },
        { "::ffff:127.0.0.1", "::ffff:127.0.0.1" },
        { "::127.0.0.1", "::127.0.0.1" },
        { "2001:DB8::1", "2001:db8::1" },
        { "fd00:ec2::254", "fd00:ec2::254" },
        { "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255" },
    };

    public static TheoryData<string> NotLiterals => new()
    {
        "",
        ".",
        "localhost",
        "example.com",
        "1.2.3.4.5",
        "0x",
        "0x.1",
        "08.0.0.1",
        "09",
        "0179.0.0.1",
        "256.0.0.1",
        "1.256.0.1",
        "1.2.256.1",
        "1.2.3.256",
        "1.2.65536",
        "1.16777216",
        "4294967296",
        "0x100000000",
        "99999999999999999999999",
        "1.2.3.",
        ".1.2.3",
        "1..2",
        "127.0.0.1 ",
        " 127.0.0.1",
        "+1",
        "-1",
        "1e3",
        "0x7g.1",
        "１２７.0.0.1",
        "[::1]",
        "[::1]:80",
        "::1%eth0",
        "fe80::1%1",
        "::1/128",
        "1.2.3.4:80",
        ":::",
        "1:2:3:4:5:6:7:8:9",
        "00000000000000000000000000000000000000000000000::1",
    };

    [Theory]
    [MemberData(nameof(Literals))]
    public void A_literal_in_any_resolver_form_denotes_its_address(string host, string expected)
    {
        Assert.True(HostLiteral.TryParse(host, out var address));
        Assert.Equal(IPAddress.Parse(expected), address);
    }

    [Theory]
    [MemberData(nameof(NotLiterals))]
    public void A_string_that_is_not_exactly_a_literal_is_not_one(string host) =>
        Assert.False(HostLiteral.TryParse(host, out _));
}
