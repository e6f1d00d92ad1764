using System.Net;
using System.Net.Sockets;
using Outcall.Http;
using Outcall.Proxy;
using Outcall.Telemetry;
using Outcall.Tests.Upstream;
using Outcall.Upstream;
using static Outcall.Tests.Http.HttpText;

namespace Outcall.Tests.Proxy;

/// <summary>Renting, returning and the retry rule of an upstream lease, with a real pool and real loopback connections.</summary>
public sealed class UpstreamLeaseSpecs : IDisposable
{
    private readonly LoopbackServer _server = new();
    private readonly UpstreamPool _pool = new(new UpstreamPoolSettings(true, 8, 256, TimeSpan.FromSeconds(30)), new ProxyMetrics());

    private IPEndPoint Endpoint => _server.Endpoint;

    private Task<Socket> ConnectAsync() => _server.ConnectAsync();

    private static readonly RequestHead PlainGet = ParseValidRequest("GET http://a.test/ HTTP/1.1\r\nHost: a.test\r\n\r\n");

    [Fact]
    public async Task A_plain_request_rents_an_idle_pooled_connection_to_a_checked_address()
    {
        var socket = await ConnectAsync();
        _pool.Return(socket, Endpoint);
        using var lease = UpstreamLease.TryRent(_pool, PlainGet, [Endpoint]);
        Assert.NotNull(lease);
        Assert.Same(socket, lease.Socket);
        Assert.True(lease.Reused);
    }

    [Theory]
    [InlineData("CONNECT a.test:443 HTTP/1.1\r\nHost: a.test:443\r\n\r\n")]
    [InlineData("GET http://a.test/ws HTTP/1.1\r\nHost: a.test\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n")]
    public async Task A_request_that_becomes_a_tunnel_never_rides_a_pooled_connection(string head)
    {
        _pool.Return(await ConnectAsync(), Endpoint);
        Assert.Null(UpstreamLease.TryRent(_pool, ParseValidRequest(head), [Endpoint]));
        Assert.Equal(1, _pool.IdleCount);
    }

    [Theory]
    [InlineData("GET", true)]
    [InlineData("HEAD", true)]
    [InlineData("PUT", true)]
    [InlineData("DELETE", true)]
    [InlineData("POST", false)]
    [InlineData("PATCH", false)]
    public async Task Only_an_idempotent_request_on_a_reused_connection_may_be_resent(string method, bool mayResend)
    {
        _pool.Return(await ConnectAsync(), Endpoint);
        using var reused = UpstreamLease.TryRent(_pool, PlainGet, [Endpoint])!;
        Assert.Equal(mayResend, reused.MayResend(method));
    }

    [Fact]
    public async Task A_fresh_connection_is_never_resent_on()
    {
        using var fresh = UpstreamLease.Fresh(await ConnectAsync(), Endpoint);
        Assert.False(fresh.MayResend("GET"));
    }

    [Fact]
    public async Task A_reusable_lease_goes_back_to_the_pool()
    {
        var lease = UpstreamLease.Fresh(await ConnectAsync(), Endpoint);
        lease.Release(_pool, reusable: true);
        Assert.Equal(1, _pool.IdleCount);
    }

    [Fact]
    public async Task A_lease_that_is_not_reusable_is_closed()
    {
        var lease = UpstreamLease.Fresh(await ConnectAsync(), Endpoint);
        lease.Release(_pool, reusable: false);
        Assert.Equal(0, _pool.IdleCount);
        Assert.Equal(0, await _server.ServerSides[0].ReceiveAsync(new byte[1], SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_lease_with_unread_upstream_bytes_is_closed_not_pooled()
    {
        var lease = UpstreamLease.Fresh(await ConnectAsync(), Endpoint);
        await _server.ServerSides[0].SendAsync("stray"u8.ToArray(), SocketFlags.None);
        using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
            await lease.Buffer.FillAsync(lease.Channel, wait.Token);
        lease.Release(_pool, reusable: true);
        Assert.Equal(0, _pool.IdleCount);
    }

    [Fact]
    public async Task Releasing_twice_returns_the_connection_once()
    {
        var lease = UpstreamLease.Fresh(await ConnectAsync(), Endpoint);
        lease.Release(_pool, reusable: true);
        lease.Release(_pool, reusable: true);
        lease.Dispose();
        Assert.Equal(1, _pool.IdleCount);
    }

    public void Dispose()
    {
        _pool.Dispose();
        _server.Dispose();
    }
}
