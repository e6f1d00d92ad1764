using System.Net;
using Outcall.Proxy;

namespace Outcall.Tests.Proxy;

/// <summary>Which absolute-form /outcall-health requests are the proxy's own probe (FR-022 / IF-006).</summary>
public sealed class HealthProbeSpecs
{
    private static readonly IPEndPoint Gateway = IPEndPoint.Parse("172.17.0.1:8080");
    private static readonly IPEndPoint Loopback = IPEndPoint.Parse("127.0.0.1:8080");

    [Theory]
    [InlineData("172.17.0.1", 8080, true)]
    [InlineData("172.17.0.1", 80, false)]
    [InlineData("172.17.0.2", 8080, false)]
    [InlineData("127.0.0.1", 8080, false)]
    [InlineData("localhost", 8080, false)]
    [InlineData("example.com", 8080, false)]
    public void Through_a_gateway_address_only_that_address_and_port_are_the_proxy(string host, int port, bool expected)
    {
        Assert.Equal(expected, HealthProbe.NamesEndpoint(host, port, Gateway));
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.0.0.2", true)]
    [InlineData("::1", true)]
    [InlineData("[::1]", true)]
    [InlineData("localhost", true)]
    [InlineData("LocalHost.", true)]
    [InlineData("2130706433", true)]
    [InlineData("10.0.0.1", false)]
    public void Through_loopback_any_loopback_name_on_the_port_is_the_proxy(string host, bool expected)
    {
        Assert.Equal(expected, HealthProbe.NamesEndpoint(host, 8080, Loopback));
    }

    [Fact]
    public void An_IPv4_mapped_local_end_is_compared_as_IPv4()
    {
        Assert.True(HealthProbe.NamesEndpoint("172.17.0.1", 8080, new IPEndPoint(IPAddress.Parse("::ffff:172.17.0.1"), 8080)));
    }
}
