using Outcall.Http;
using Outcall.Proxy;
using Outcall.Tests.Proxy;

namespace Outcall.Tests.Security;

/// <summary>
/// `outcall.proxy.forwarded-headers` end to end: off adds nothing and passes the client's own fields;
/// x-forwarded-for and forwarded replace whatever the client sent with ours.
/// </summary>
public sealed class ForwardedHeaderSpecs
{
    private const string ClientForwarding = "X-Forwarded-For: 6.6.6.6\r\nForwarded: for=6.6.6.6\r\n";

    [Theory]
    [InlineData("off", ClientForwarding)]
    [InlineData("x-forwarded-for", "X-Forwarded-For: 127.0.0.1\r\n")]
    [InlineData("forwarded", "Forwarded: for=127.0.0.1\r\n")]
    public async Task The_upstream_sees_exactly_the_forwarding_fields_the_setting_asks_for(string setting, string expectedFields)
    {
        await using var proxy = await ProxyHarness.StartAsync(extraHocon: $"outcall.proxy.forwarded-headers = {setting}");
        await using var upstream = ScriptedUpstream.Answering("HTTP/1.1 204 No Content\r\n\r\n");
        var response = await HostileRequestSpecs.SendAsync(proxy,
            $"GET http://127.0.0.1:{upstream.Port}/x HTTP/1.1\r\nHost: 127.0.0.1:{upstream.Port}\r\n{ClientForwarding}Connection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 204 No Content\r\n", response);
        Assert.Equal($"GET /x HTTP/1.1\r\nHost: 127.0.0.1:{upstream.Port}\r\n{expectedFields}Via: 1.1 outcall\r\n\r\n", System.Text.Encoding.Latin1.GetString(upstream.Received));
    }

    [Fact]
    public async Task Forwarding_is_off_by_default()
    {
        await using var proxy = await ProxyHarness.StartAsync();
        await using var upstream = ScriptedUpstream.Answering("HTTP/1.1 204 No Content\r\n\r\n");
        await HostileRequestSpecs.SendAsync(proxy, $"GET http://127.0.0.1:{upstream.Port}/x HTTP/1.1\r\nHost: 127.0.0.1:{upstream.Port}\r\nConnection: close\r\n\r\n");
        Assert.Equal($"GET /x HTTP/1.1\r\nHost: 127.0.0.1:{upstream.Port}\r\nVia: 1.1 outcall\r\n\r\n", System.Text.Encoding.Latin1.GetString(upstream.Received));
    }

    [Theory]
    [InlineData("::1", "Forwarded: for=\"[::1]\"")]
    [InlineData("10.1.2.3", "Forwarded: for=10.1.2.3")]
    public void An_IPv6_client_is_quoted_and_bracketed_in_Forwarded_RFC7239(string clientIp, string expected)
    {
        var head = new RequestHead
        {
            Method = "GET", TargetForm = TargetForm.Absolute, Scheme = "http", Host = "a.test", Port = 80, Authority = "a.test",
            Headers = [new HeaderField("Forwarded", "for=6.6.6.6"), new HeaderField("x-forwarded-for", "6.6.6.6")],
        };
        var text = System.Text.Encoding.Latin1.GetString(HeadWriter.UpstreamRequest(head, ForwardedHeaders.Forwarded, clientIp));
        Assert.Equal($"GET / HTTP/1.1\r\nHost: a.test\r\n{expected}\r\n\r\n", text);
    }

    [Theory]
    [InlineData("sometimes")]
    [InlineData("X-Forwarded-For")]
    [InlineData("")]
    public void An_unknown_setting_is_a_configuration_error(string value) =>
        Assert.Throws<Akka.Configuration.ConfigurationException>(() => ProxySettings.ParseForwardedHeaders(value));
}
