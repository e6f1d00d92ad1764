using System.Net;
using System.Net.Sockets;
using System.Text;
using Outcall.Tests.Proxy;

namespace Outcall.Tests.Upstream;

/// <summary>Upstream connection reuse and retry safety, end to end through the proxy (issue 8; seed: HTTP Correctness).</summary>
public sealed class UpstreamPoolSpecs : IAsyncLifetime
{
    private ProxyHarness _proxy = null!;

    public async Task InitializeAsync() => _proxy = await ProxyHarness.StartAsync();

    public async Task DisposeAsync() => await _proxy.DisposeAsync();

    [Fact]
    public async Task A_hundred_sequential_requests_from_ten_clients_use_far_fewer_upstream_connections()
    {
        await using var upstream = await HttpUpstream.StartAsync();
        for (var client = 0; client < 10; client++)
        {
            // Each client is its own proxy connection, closed after its ten requests.
            using var http = _proxy.CreateClient();
            for (var i = 0; i < 10; i++) await http.GetStringAsync($"http://{upstream.Authority}/echo/{client}/{i}");
        }
        Assert.InRange(upstream.Connections, 1, 3);
    }

    [Fact]
    public async Task A_response_whose_body_the_upstream_cut_short_is_never_reused()
    {
        var requests = 0;
        await using var upstream = new RawUpstream(async (socket, _) =>
        {
            var buffer = new byte[4096];
            if (await socket.ReceiveAsync(buffer, SocketFlags.None) == 0) return;
            // Promises 100 bytes, sends 5, keeps the connection open: its framing can never be trusted again.
            Interlocked.Increment(ref requests);
            await socket.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort"u8.ToArray(), SocketFlags.None);
            socket.Shutdown(SocketShutdown.Send);
            while (await socket.ReceiveAsync(buffer, SocketFlags.None) > 0) { }
        });
        for (var i = 0; i < 2; i++)
            await _proxy.SendRawAsync($"GET http://127.0.0.1:{upstream.Port}/ HTTP/1.1\r\nHost: 127.0.0.1:{upstream.Port}\r\n\r\n");
        Assert.Equal(2, upstream.Connections);
        Assert.Equal(0, _proxy.Node.Metrics.PoolHits);
    }

    [Fact]
    public async Task A_connection_whose_response_the_client_abandoned_is_never_reused()
    {
        await using var upstream = await HttpUpstream.StartAsync();
        using (var socket = await _proxy.ConnectRawAsync())
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes($"GET http://{upstream.Authority}/bytes?n={8 * 1024 * 1024} HTTP/1.1\r\nHost: {upstream.Authority}\r\n\r\n"), SocketFlags.None);
            await RawIo.ReadHeadAsync(socket, TimeSpan.FromSeconds(10));
        }
        using var http = _proxy.CreateClient();
        await http.GetStringAsync($"http://{upstream.Authority}/echo/next");
        Assert.Equal(2, upstream.Connections);
    }

    [Theory]
    [InlineData("GET", 2)]
    [InlineData("POST", 2)]
    public async Task A_pooled_connection_the_server_closed_is_discarded_before_writing_and_the_request_is_sent_exactly_once(string method, int expectedConnections)
    {
        var seen = new List<string>();
        var firstClosed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = new RawUpstream(async (socket, _) =>
        {
            var buffer = new byte[4096];
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None);
            if (read == 0) return;
            lock (seen) seen.Add(Encoding.ASCII.GetString(buffer, 0, read).Split(' ')[0]);
            await socket.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"u8.ToArray(), SocketFlags.None);
            // Keep-alive promised, then the server drops the idle connection (its keep-alive timeout).
            socket.Shutdown(SocketShutdown.Both);
            socket.Close();
            firstClosed.TrySetResult();
        });
        var first = await _proxy.SendRawAsync($"GET http://127.0.0.1:{upstream.Port}/a HTTP/1.1\r\nHost: 127.0.0.1:{upstream.Port}\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", first);
        await firstClosed.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var body = method == "POST" ? "Content-Length: 3\r\n\r\nabc" : "\r\n";
        var second = await _proxy.SendRawAsync(
            $"{method} http://127.0.0.1:{upstream.Port}/b HTTP/1.1\r\nHost: 127.0.0.1:{upstream.Port}\r\nConnection: close\r\n{body}");
        Assert.StartsWith("HTTP/1.1 200", second);
        Assert.Equal(expectedConnections, upstream.Connections);
        lock (seen) Assert.Equal(["GET", method], seen);
    }

    [Fact]
    public async Task A_pooled_connection_found_closed_before_use_is_not_counted_as_a_retry()
    {
        var firstClosed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = new RawUpstream(async (socket, _) =>
        {
            if (await socket.ReceiveAsync(new byte[4096], SocketFlags.None) == 0) return;
            await socket.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"u8.ToArray(), SocketFlags.None);
            socket.Shutdown(SocketShutdown.Both);
            socket.Close();
            firstClosed.TrySetResult();
        });
        var request = $"GET http://127.0.0.1:{upstream.Port}/ HTTP/1.1\r\nHost: 127.0.0.1:{upstream.Port}\r\nConnection: close\r\n\r\n";
        Assert.StartsWith("HTTP/1.1 200", await _proxy.SendRawAsync(request));
        await firstClosed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.StartsWith("HTTP/1.1 200", await _proxy.SendRawAsync(request));
        // upstream_retries_total counts requests sent again (issue 12); this one was sent once, on a fresh connection.
        Assert.Equal(0, _proxy.Node.Metrics.Retries);
    }

    [Fact]
    public async Task A_POST_that_fails_after_its_bytes_were_written_gets_502_and_is_never_sent_twice()
    {
        var posts = 0;
        await using var upstream = new RawUpstream(async (socket, _) =>
        {
            var buffer = new byte[4096];
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None);
            if (read == 0) return;
            if (Encoding.ASCII.GetString(buffer, 0, read).StartsWith("POST")) Interlocked.Increment(ref posts);
            socket.Close(0); // reset without answering
        });
        var response = await _proxy.SendRawAsync(
            $"POST http://127.0.0.1:{upstream.Port}/x HTTP/1.1\r\nHost: 127.0.0.1:{upstream.Port}\r\nConnection: close\r\nContent-Length: 3\r\n\r\nabc");
        Assert.StartsWith("HTTP/1.1 502", response);
        Assert.Equal(1, posts);
        Assert.Equal(1, upstream.Connections);
    }
}
