using System.Net;
using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using Outcall.Tests.Proxy;

namespace Outcall.Tests.Admin;

/// <summary>How the node's one web application stops: the drain first, the admin listener after it (FR-015 / EC-013).</summary>
public sealed class NodeShutdownSpecs
{
    private const string DrainPhase = "akka.coordinated-shutdown.phases.service-requests-done.timeout";

    [Fact]
    public async Task A_shutdown_grace_over_30s_gets_a_drain_phase_timeout_longer_than_the_grace()
    {
        await using var proxy = await ProxyHarness.StartAsync(extraHocon: "outcall.proxy.shutdown-grace = 45s");
        var system = proxy.Node.System;
        Assert.True(system.Settings.Config.GetTimeSpan(DrainPhase) > TimeSpan.FromSeconds(45));
        Assert.True(CoordinatedShutdown.Get(system).Timeout(CoordinatedShutdown.PhaseServiceRequestsDone) > TimeSpan.FromSeconds(45));
    }

    [Fact]
    public async Task A_drain_phase_timeout_set_longer_than_the_grace_needs_is_kept()
    {
        await using var proxy = await ProxyHarness.StartAsync(extraHocon: $"outcall.proxy.shutdown-grace = 2s\n{DrainPhase} = 90s");
        Assert.Equal(TimeSpan.FromSeconds(90), CoordinatedShutdown.Get(proxy.Node.System).Timeout(CoordinatedShutdown.PhaseServiceRequestsDone));
    }

    [Fact]
    public async Task Ready_answers_503_draining_over_the_admin_listener_while_a_tunnel_drains_FR015()
    {
        await using var upstream = new RawUpstream(async (socket, _) =>
        {
            var buffer = new byte[1024];
            while (await socket.ReceiveAsync(buffer, SocketFlags.None) > 0) { }
        });
        var proxy = await ProxyHarness.StartAsync(extraHocon: $"{ProxyHarness.WithAdmin}\noutcall.proxy.shutdown-grace = 20s");
        using var admin = new AdminHttp(proxy.AdminUri);
        using var tunnel = await proxy.ConnectRawAsync();
        await tunnel.SendAsync(Encoding.ASCII.GetBytes($"CONNECT 127.0.0.1:{upstream.Port} HTTP/1.1\r\nHost: 127.0.0.1:{upstream.Port}\r\n\r\n"), SocketFlags.None);
        Assert.StartsWith("HTTP/1.1 200", (await RawIo.ReadHeadAsync(tunnel, TimeSpan.FromSeconds(10))).Head);

        var stopping = proxy.Node.StopAsync();
        await proxy.Log.WaitForLineAsync(l => l.Contains("Stopped accepting"));
        using (var ready = await admin.SendAsync(HttpMethod.Get, "/ready"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Equal("draining", (await ready.Content.ReadAsStringAsync()).Trim());
        }
        tunnel.Shutdown(SocketShutdown.Send);
        await RawIo.ReadBytesUntilCloseAsync(tunnel, TimeSpan.FromSeconds(10));
        await stopping.WaitAsync(TimeSpan.FromSeconds(15));
        await proxy.DisposeAsync();
    }

    [Fact]
    public async Task An_open_event_stream_ends_when_the_node_stops_rather_than_holding_the_shutdown()
    {
        var proxy = await ProxyHarness.StartAsync(extraHocon: ProxyHarness.WithAdmin);
        using var client = new HttpClient { BaseAddress = proxy.AdminUri, Timeout = Timeout.InfiniteTimeSpan };
        using var response = await client.GetAsync("/api/v1/events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var stream = await response.Content.ReadAsStreamAsync();
        var stopping = proxy.DisposeAsync().AsTask();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var buffer = new byte[4096];
        while (await stream.ReadAsync(buffer, deadline.Token) > 0) { }
        await stopping.WaitAsync(TimeSpan.FromSeconds(15));
    }
}
