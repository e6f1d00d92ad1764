using Outcall.Tls;

namespace Outcall.Tests.Tls;

/// <summary>Outcall's canonical form of an SNI, and when an SNI names the CONNECT host itself (issue 12).</summary>
public class ServerNamesSpecs
{
    [Theory]
    [InlineData("api.example.com", "api.example.com")]
    [InlineData("Api.Example.COM", "api.example.com")]
    [InlineData("api.example.com.", "api.example.com")]
    [InlineData("127.0.0.1", "127.0.0.1")]
    [InlineData("127.0.0.1.", "127.0.0.1")]
    [InlineData("::1", "::1")]
    [InlineData("FE80::1", "fe80::1")]
    public void A_name_is_lowercased_and_loses_one_trailing_dot(string sent, string canonical)
    {
        Assert.Equal(canonical, ServerNames.Canonical(sent));
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("api.example.com..")]
    [InlineData("[::1]")]
    [InlineData("1.2.3.4.5")]
    [InlineData("a example")]
    [InlineData("a.example:443")]
    public void A_name_that_is_neither_a_DNS_name_nor_an_IP_literal_has_no_canonical_form(string sent)
    {
        Assert.Null(ServerNames.Canonical(sent));
    }

    [Theory]
    [InlineData("cdn.test", "cdn.test")]
    [InlineData("cdn.test", "CDN.test")]
    [InlineData("cdn.test", "cdn.test.")]
    [InlineData("127.0.0.1", "127.0.0.1")]
    [InlineData("0:0:0:0:0:0:0:1", "::1")]
    [InlineData("::ffff:7f00:1", "::ffff:127.0.0.1")]
    public void An_SNI_names_the_CONNECT_host_when_name_or_address_is_the_same(string serverName, string connectHost)
    {
        Assert.True(ServerNames.NamesHost(serverName, connectHost));
    }

    [Theory]
    [InlineData("fronted.test", "cdn.test")]
    [InlineData("10.0.0.1", "127.0.0.1")]
    [InlineData("127.0.0.1", "localhost")]
    [InlineData("::1", "127.0.0.1")]
    public void An_SNI_naming_another_name_or_address_is_another_host(string serverName, string connectHost)
    {
        Assert.False(ServerNames.NamesHost(serverName, connectHost));
    }

    [Fact]
    public void An_IP_literal_SNI_denotes_its_address_and_a_DNS_name_none()
    {
        Assert.True(ServerNames.TryGetAddress("10.9.9.9", out var address));
        Assert.Equal("10.9.9.9", address.ToString());
        Assert.False(ServerNames.TryGetAddress("cdn.test", out _));
    }
}
