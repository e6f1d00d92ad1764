using Outcall.Tests.Proxy;

namespace Outcall.Tests.Security;

/// <summary>
/// FR-026 / EC-016 end to end: a rule allows the request by name but does not set
/// egress.allow_private_ips, so every private, loopback, link-local, CGNAT, multicast or metadata
/// destination, in every spelling, is refused and never dialled. Loopback spellings use the recording
/// upstream's port, so a guard that failed open would show up as a connection.
/// </summary>
public sealed class PrivateDestinationSpecs(SecurityNodes nodes) : IClassFixture<SecurityNodes>
{
    private const string Forbidden = "HTTP/1.1 403 Forbidden";
    private const string BadRequest = "HTTP/1.1 400 Bad Request";

    /// <summary>Non-canonical IPv4 spellings never reach the guard: the strict target parser refuses them (400).</summary>
    public static TheoryData<string, string> Destinations => new()
    {
        { "127.0.0.1", Forbidden },
        { "127.0.0.2", Forbidden },
        { "2130706433", BadRequest },
        { "0x7f.0.0.1", BadRequest },
        { "0x7f000001", BadRequest },
        { "0177.0.0.1", BadRequest },
        { "0177.0.0.01", BadRequest },
        { "127.1", BadRequest },
        { "127.0.1", BadRequest },
        { "[::1]", Forbidden },
        { "[0:0:0:0:0:0:0:1]", Forbidden },
        { "[::ffff:127.0.0.1]", Forbidden },
        { "[::ffff:7f00:1]", Forbidden },
        { "[::127.0.0.1]", Forbidden },
        { "[64:ff9b::7f00:1]", Forbidden },
        { "[64:ff9b:1::7f00:1]", Forbidden },
        { "[2002:7f00:1::]", Forbidden },
        { "[2001::1]", Forbidden },
        { "10.0.0.1", Forbidden },
        { "10.255.255.255", Forbidden },
        { "172.16.0.1", Forbidden },
        { "172.31.255.254", Forbidden },
        { "192.168.1.1", Forbidden },
        { "169.254.169.254", Forbidden },
        { "[::ffff:169.254.169.254]", Forbidden },
        { "100.64.0.1", Forbidden },
        { "100.127.255.254", Forbidden },
        { "0.0.0.0", Forbidden },
        { "0", BadRequest },
        { "0.1.2.3", Forbidden },
        { "[::]", Forbidden },
        { "[fd00:ec2::254]", Forbidden },
        { "[fc00::1]", Forbidden },
        { "[fe80::1]", Forbidden },
        { "224.0.0.1", Forbidden },
        { "239.255.255.250", Forbidden },
        { "255.255.255.255", Forbidden },
        { "[ff02::1]", Forbidden },
        { "198.18.0.1", Forbidden },
        { "192.0.2.1", Forbidden },
        { "[2001:db8::1]", Forbidden },
        { "1.2.3.4.5", BadRequest },
        { "256.0.0.1", BadRequest },
        { "08.0.0.1", BadRequest },
        { "[fe80::1%25eth0]", BadRequest },
        { "rebind.test", Forbidden },
        { "metadata.test", Forbidden },
        { "mixed.test", Forbidden },
    };

    [Theory]
    [MemberData(nameof(Destinations))]
    public async Task A_private_destination_allowed_only_by_name_is_refused_and_never_dialled_FR026(string host, string statusLine)
    {
        await using var upstream = HostileRequestSpecs.Recorder();
        var response = await HostileRequestSpecs.SendAsync(nodes.PublicOnly,
            $"GET http://{host}:{upstream.Port}/x HTTP/1.1\r\nHost: {host}:{upstream.Port}\r\nConnection: close\r\n\r\n");
        Assert.True(response.StartsWith(statusLine + "\r\n", StringComparison.Ordinal), $"{host}: got {HostileRequestSpecs.FirstLine(response)}");
        Assert.Equal(0, upstream.Connections);
    }

    [Theory]
    [MemberData(nameof(Destinations))]
    public async Task A_CONNECT_to_a_private_destination_is_refused_without_a_tunnel_FR026(string host, string statusLine)
    {
        await using var upstream = HostileRequestSpecs.Recorder();
        var response = await HostileRequestSpecs.SendAsync(nodes.PublicOnly,
            $"CONNECT {host}:{upstream.Port} HTTP/1.1\r\nHost: {host}:{upstream.Port}\r\n\r\n");
        Assert.True(response.StartsWith(statusLine + "\r\n", StringComparison.Ordinal), $"{host}: got {HostileRequestSpecs.FirstLine(response)}");
        Assert.DoesNotContain("200 Connection Established", response);
        Assert.Equal(0, upstream.Connections);
    }

    [Fact]
    public async Task A_name_that_resolves_to_loopback_is_dialled_when_its_rule_opts_in()
    {
        await using var upstream = new RawUpstream(async (socket, self) =>
        {
            await ReadHeadAsync(socket, self);
            await socket.SendAsync("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"u8.ToArray(), System.Net.Sockets.SocketFlags.None);
        });
        var response = await HostileRequestSpecs.SendAsync(nodes.PublicOnly,
            $"GET http://optin.test:{upstream.Port}/x HTTP/1.1\r\nHost: optin.test:{upstream.Port}\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 204 No Content\r\n", response);
        Assert.Equal(1, upstream.Connections);
    }

    public static TheoryData<string> ProxyItself => new() { "127.0.0.1", "127.0.0.2", "0.0.0.0", "[::ffff:127.0.0.1]" };

    [Theory]
    [MemberData(nameof(ProxyItself))]
    public async Task The_proxy_own_port_is_refused_even_when_the_rule_opts_in_to_private_addresses(string host)
    {
        var proxy = nodes.Permissive;
        var port = proxy.Endpoint.Port;
        // Not the exact probe (that one is answered by the proxy itself, HealthThroughProxySpecs): this one would be forwarded to us.
        var response = await HostileRequestSpecs.SendAsync(proxy,
            $"GET http://{host}:{port}/outcall-health?loop=1 HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n");
        Assert.True(response.StartsWith("HTTP/1.1 403 Forbidden\r\n", StringComparison.Ordinal), $"{host}: got {HostileRequestSpecs.FirstLine(response)}");
        Assert.DoesNotContain("\"status\":\"ok\"", response);
    }

    private static async Task ReadHeadAsync(System.Net.Sockets.Socket socket, RawUpstream self)
    {
        var seen = new List<byte>();
        var buffer = new byte[4096];
        while (!System.Text.Encoding.Latin1.GetString(seen.ToArray()).Contains("\r\n\r\n"))
        {
            var read = await socket.ReceiveAsync(buffer, System.Net.Sockets.SocketFlags.None);
            if (read == 0) return;
            self.Record(buffer.AsSpan(0, read));
            seen.AddRange(buffer.AsSpan(0, read).ToArray());
        }
    }
}
