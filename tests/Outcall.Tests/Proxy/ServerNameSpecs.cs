using System.Net;
using System.Net.Sockets;
using System.Text;
using static Outcall.Tests.Tls.HelloBytes;

namespace Outcall.Tests.Proxy;

/// <summary>
/// What the second CONNECT verdict sees of an SNI (FR-005, SC-003, issue 12): IP literals as real clients
/// send them (Node's https-proxy-agent sends <c>127.0.0.1</c>), Outcall's canonical form, and one count per CONNECT.
/// The hellos are hand-built so each carries exactly the SNI under test; the upstream records what crossed.
/// </summary>
public sealed class ServerNameSpecs : IAsyncLifetime
{
    private const string Rules = """
        version: "1"
        rules:
          - id: block-ip-sni
            condition: network.ip == "10.9.9.9"
            action: block
            priority: 10
          - id: block-fronted
            condition: network.hostname == "fronted.test"
            action: block
            priority: 10
          - id: allow-test-names
            condition: network.hostname in ["cdn.test", "127.0.0.1", "::1", "10.1.2.3"]
            action: allow
            egress:
              allow_private_ips: true
        """;

    private ProxyHarness _proxy = null!;

    public async Task InitializeAsync() =>
        _proxy = await ProxyHarness.StartAsync(Rules, "outcall.proxy.client-hello-timeout = 5s", new StaticResolver().Map("cdn.test", IPAddress.Loopback));

    public async Task DisposeAsync() => await _proxy.DisposeAsync();

    private static RawUpstream Recorder() => new(async (socket, self) => await self.ReadToEndAsync(socket));

    private async Task<Socket> ConnectAsync(string authority)
    {
        var socket = await _proxy.ConnectRawAsync();
        await socket.SendAsync(Encoding.ASCII.GetBytes($"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n"), SocketFlags.None);
        var (head, _) = await RawIo.ReadHeadAsync(socket, TimeSpan.FromSeconds(10));
        Assert.StartsWith("HTTP/1.1 200 Connection Established", head);
        return socket;
    }

    private static async Task AssertTunnelledAsync(RawUpstream upstream, byte[] hello)
    {
        await Eventually.TrueAsync(() => upstream.Received.Length >= hello.Length, "the hello to cross the tunnel");
        Assert.Equal(hello, upstream.Received);
    }

    private static async Task AssertCutAsync(RawUpstream upstream)
    {
        await upstream.FirstConnectionEnded.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Empty(upstream.Received);
    }

    [Fact]
    public async Task An_SNI_that_is_the_CONNECT_IP_literal_is_tunnelled_as_if_it_named_no_host_EC001()
    {
        await using var upstream = Recorder();
        using var socket = await ConnectAsync($"127.0.0.1:{upstream.Port}");
        var hello = Hello(ServerName("127.0.0.1"));
        await socket.SendAsync(hello, SocketFlags.None);
        await AssertTunnelledAsync(upstream, hello);
    }

    [Fact]
    public async Task An_IP_literal_SNI_naming_another_address_is_judged_as_that_address_and_refused_by_its_rule()
    {
        await using var upstream = Recorder();
        using var socket = await ConnectAsync($"cdn.test:{upstream.Port}");
        await socket.SendAsync(Hello(ServerName("10.9.9.9")), SocketFlags.None);
        await AssertCutAsync(upstream);
        var line = await _proxy.Log.WaitForLineAsync(l => l.Contains("by SNI") && l.Contains("\"ServerName\":\"10.9.9.9\""));
        Assert.Contains("\"RuleId\":\"block-ip-sni\"", line);
        Assert.Contains("\"Host\":\"cdn.test\"", line);
    }

    [Fact]
    public async Task An_IP_literal_SNI_a_rule_allows_is_judged_again_and_tunnelled()
    {
        await using var upstream = Recorder();
        using var socket = await ConnectAsync($"cdn.test:{upstream.Port}");
        var hello = Hello(ServerName("10.1.2.3"));
        await socket.SendAsync(hello, SocketFlags.None);
        await AssertTunnelledAsync(upstream, hello);
        await _proxy.Log.WaitForLineAsync(l => l.Contains("by SNI") && l.Contains("\"ServerName\":\"10.1.2.3\"") && l.Contains("\"Decision\":\"ALLOW\""));
    }

    [Fact]
    public async Task An_SNI_is_judged_in_canonical_form_lowercased_without_its_trailing_dot()
    {
        await using var upstream = Recorder();
        using var socket = await ConnectAsync($"cdn.test:{upstream.Port}");
        await socket.SendAsync(Hello(ServerName("Fronted.TEST.")), SocketFlags.None);
        await AssertCutAsync(upstream);
        var line = await _proxy.Log.WaitForLineAsync(l => l.Contains("\"ServerName\":\"fronted.test\""));
        Assert.Contains("\"RuleId\":\"block-fronted\"", line);
    }

    [Fact]
    public async Task The_CONNECT_host_named_again_with_a_trailing_dot_keeps_the_CONNECT_verdict()
    {
        await using var upstream = Recorder();
        using var socket = await ConnectAsync($"cdn.test:{upstream.Port}");
        var hello = Hello(ServerName("cdn.test."));
        await socket.SendAsync(hello, SocketFlags.None);
        await AssertTunnelledAsync(upstream, hello);
    }

    [Fact]
    public async Task A_CONNECT_refused_for_its_SNI_is_counted_once_as_blocked()
    {
        await using var upstream = Recorder();
        using var socket = await ConnectAsync($"cdn.test:{upstream.Port}");
        await socket.SendAsync(Hello(ServerName("fronted.test")), SocketFlags.None);
        await AssertCutAsync(upstream);
        var metrics = _proxy.Node.Metrics;
        await Eventually.TrueAsync(() => metrics.TotalBlocked == 1, "the SNI block to be counted");
        Assert.Equal(1, metrics.TotalRequests);
    }

    [Fact]
    public async Task A_CONNECT_whose_tunnel_opens_is_counted_once_as_allowed()
    {
        await using var upstream = Recorder();
        using var socket = await ConnectAsync($"cdn.test:{upstream.Port}");
        var hello = Hello(ServerName("cdn.test"));
        await socket.SendAsync(hello, SocketFlags.None);
        await AssertTunnelledAsync(upstream, hello);
        await Eventually.TrueAsync(() => _proxy.Node.Metrics.TotalRequests == 1, "the tunnel's CONNECT to be counted");
        Assert.Equal(0, _proxy.Node.Metrics.TotalBlocked);
    }

    [Fact]
    public async Task A_client_that_closes_inside_its_ClientHello_never_has_the_part_tunnelled()
    {
        await using var upstream = Recorder();
        using var socket = await ConnectAsync($"cdn.test:{upstream.Port}");
        await socket.SendAsync(Hello(ServerName("fronted.test"))[..20], SocketFlags.None);
        socket.Shutdown(SocketShutdown.Send);
        await AssertCutAsync(upstream);
    }
}
