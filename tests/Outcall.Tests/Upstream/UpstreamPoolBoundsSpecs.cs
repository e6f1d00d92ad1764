using System.Net;
using System.Net.Sockets;
using Outcall.Telemetry;
using Outcall.Tests.Proxy;
using Outcall.Upstream;

namespace Outcall.Tests.Upstream;

/// <summary>The pool on its own, with real loopback connections: keys, bounds, expiry, liveness.</summary>
public sealed class UpstreamPoolBoundsSpecs : IDisposable
{
    private readonly LoopbackServer _server = new();
    private readonly ProxyMetrics _metrics = new();

    private IPEndPoint Endpoint => _server.Endpoint;

    private Task<Socket> ConnectAsync() => _server.ConnectAsync();

    private UpstreamPool Pool(int perDestination = 8, int total = 256, double idleSeconds = 30, bool enabled = true) =>
        new(new UpstreamPoolSettings(enabled, perDestination, total, TimeSpan.FromSeconds(idleSeconds)), _metrics);

    [Fact]
    public async Task A_returned_connection_is_lent_again_for_the_same_checked_address()
    {
        using var pool = Pool();
        var socket = await ConnectAsync();
        pool.Return(socket, Endpoint);
        Assert.Same(socket, pool.Rent([Endpoint])?.Socket);
    }

    [Fact]
    public async Task A_connection_is_never_lent_for_another_address_or_port()
    {
        using var pool = Pool();
        pool.Return(await ConnectAsync(), Endpoint);
        Assert.Null(pool.Rent([new IPEndPoint(IPAddress.Loopback, Endpoint.Port + 1)]));
        Assert.Null(pool.Rent([new IPEndPoint(IPAddress.Parse("127.0.0.2"), Endpoint.Port)]));
    }

    [Fact]
    public async Task Beyond_the_per_destination_bound_the_oldest_idle_connection_is_closed()
    {
        using var pool = Pool(perDestination: 2);
        var oldest = await ConnectAsync();
        pool.Return(oldest, Endpoint);
        pool.Return(await ConnectAsync(), Endpoint);
        pool.Return(await ConnectAsync(), Endpoint);
        Assert.Equal(2, pool.IdleCount);
        Assert.Throws<ObjectDisposedException>(() => oldest.Available);
    }

    [Fact]
    public async Task Beyond_the_total_bound_idle_connections_are_closed()
    {
        using var pool = Pool(perDestination: 8, total: 3);
        for (var i = 0; i < 5; i++) pool.Return(await ConnectAsync(), Endpoint);
        Assert.Equal(3, pool.IdleCount);
    }

    [Fact]
    public async Task An_expired_idle_connection_is_not_lent()
    {
        using var pool = Pool(idleSeconds: 0.001);
        pool.Return(await ConnectAsync(), Endpoint);
        await Eventually.TrueAsync(() => pool.IdleCount == 0, "the sweeper to close the expired connection");
        Assert.Null(pool.Rent([Endpoint]));
    }

    [Fact]
    public async Task A_connection_the_server_closed_is_discarded_and_counted_as_an_eviction_not_a_retry()
    {
        using var pool = Pool();
        var socket = await ConnectAsync();
        pool.Return(socket, Endpoint);
        _server.ServerSides[0].Close();
        Assert.True(socket.Poll(TimeSpan.FromSeconds(10), SelectMode.SelectRead), "the server's FIN arrives");
        Assert.Null(pool.Rent([Endpoint]));
        // upstream_retries_total counts requests sent again; this one was never sent (issue 12).
        Assert.Equal((1, 0), (_metrics.PoolEvictions, _metrics.Retries));
    }

    [Fact]
    public async Task A_connection_with_unsolicited_bytes_waiting_is_discarded()
    {
        using var pool = Pool();
        var socket = await ConnectAsync();
        pool.Return(socket, Endpoint);
        await _server.ServerSides[0].SendAsync("HTTP/1.1 200 OK\r\n\r\n"u8.ToArray(), SocketFlags.None);
        Assert.True(socket.Poll(TimeSpan.FromSeconds(10), SelectMode.SelectRead), "the stray bytes arrive");
        Assert.Null(pool.Rent([Endpoint]));
    }

    [Fact]
    public async Task A_disabled_pool_keeps_nothing()
    {
        using var pool = Pool(enabled: false);
        var socket = await ConnectAsync();
        pool.Return(socket, Endpoint);
        Assert.Null(pool.Rent([Endpoint]));
        Assert.Throws<ObjectDisposedException>(() => socket.Available);
    }

    public void Dispose() => _server.Dispose();
}
