using System.Net.Sockets;
using System.Text;

namespace Outcall.Tests.Proxy;

/// <summary>Connection limit, slow clients, idle clients (FR-012 / EC-012, header-timeout, FR-011).</summary>
public sealed class LimitSpecs() : ProxiedUpstreamSpecs(extraHocon: """
    outcall.proxy.max-connections = 2
    outcall.proxy.header-timeout = 1s
    outcall.proxy.idle-timeout = 2s
    """)
{
    [Fact]
    public async Task Over_the_connection_limit_a_client_gets_503_with_Retry_After_and_a_close_then_service_recovers_EC012()
    {
        var first = await Proxy.ConnectRawAsync();
        using var second = await Proxy.ConnectRawAsync();
        await Eventually.TrueAsync(() => Proxy.Node.Metrics.ActiveConnections == 2, "two active connections");

        using (var third = await Proxy.ConnectRawAsync())
        {
            var refused = await RawIo.ReadUntilCloseAsync(third, TimeSpan.FromSeconds(10));
            Assert.StartsWith("HTTP/1.1 503", refused);
            Assert.Contains("Retry-After: 1\r\n", refused);
        }

        first.Dispose();
        await Eventually.TrueAsync(() => Proxy.Node.Metrics.ActiveConnections == 1, "the closed client to be released");
        var response = await Proxy.SendRawAsync($"GET http://{Upstream.Authority}/echo/after HTTP/1.1\r\nHost: {Upstream.Authority}\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", response);
    }

    [Fact]
    public async Task A_slowloris_client_gets_408_when_its_head_is_not_complete_within_the_header_timeout()
    {
        using var socket = await Proxy.ConnectRawAsync();
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET http://{Upstream.Authority}/ HTTP/1.1\r\nHost: {Upstream.Authority}\r\nX-Slow: "), SocketFlags.None);
        var response = await RawIo.ReadUntilCloseAsync(socket, TimeSpan.FromSeconds(10));
        Assert.StartsWith("HTTP/1.1 408", response);
        Assert.Equal(0, Upstream.Connections);
    }

    [Fact]
    public async Task A_head_whose_first_bytes_come_late_still_gets_the_whole_header_timeout_from_them()
    {
        using var socket = await Proxy.ConnectRawAsync();
        // The client itself is slow to start (the scenario, not a wait for the proxy): its timer was armed at accept.
        await Task.Delay(TimeSpan.FromMilliseconds(250));
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET http://{Upstream.Authority}/ HTTP/1.1\r\nHost: {Upstream.Authority}\r\nX-Slow: "), SocketFlags.None);
        var sinceFirstBytes = System.Diagnostics.Stopwatch.StartNew();
        var response = await RawIo.ReadUntilCloseAsync(socket, TimeSpan.FromSeconds(10));
        Assert.StartsWith("HTTP/1.1 408", response);
        Assert.True(sinceFirstBytes.Elapsed >= TimeSpan.FromMilliseconds(900), $"closed {sinceFirstBytes.ElapsedMilliseconds} ms after the first bytes, header-timeout is 1 s");
    }

    [Fact]
    public async Task A_silent_client_is_closed_after_the_idle_timeout_without_a_response()
    {
        using var socket = await Proxy.ConnectRawAsync();
        var response = await RawIo.ReadUntilCloseAsync(socket, TimeSpan.FromSeconds(10));
        Assert.Equal("", response);
    }

    [Fact]
    public async Task An_idle_keep_alive_client_is_closed_after_the_idle_timeout()
    {
        using var socket = await Proxy.ConnectRawAsync();
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET http://{Upstream.Authority}/echo/1 HTTP/1.1\r\nHost: {Upstream.Authority}\r\n\r\n"), SocketFlags.None);
        var response = await RawIo.ReadUntilCloseAsync(socket, TimeSpan.FromSeconds(10));
        Assert.StartsWith("HTTP/1.1 200", response);
    }
}
