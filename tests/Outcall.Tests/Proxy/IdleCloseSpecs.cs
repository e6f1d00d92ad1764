using System.Net.Sockets;
using System.Text;

namespace Outcall.Tests.Proxy;

/// <summary>
/// FR-011: an idle tunnel or an idle keep-alive client is closed with a FIN, so the client's read
/// sees a clean end of stream (0 bytes), not ECONNRESET (issue 12, idle closes).
/// </summary>
public sealed class IdleCloseSpecs() : ProxiedUpstreamSpecs(extraHocon: """
    outcall.proxy.idle-timeout = 1s
    outcall.proxy.client-hello-timeout = 200ms
    """)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task An_idle_tunnel_ends_with_a_clean_end_of_stream_for_the_client_FR011()
    {
        await using var upstream = new RawUpstream(async (socket, self) => await self.ReadToEndAsync(socket));
        using var socket = await Proxy.ConnectRawAsync();
        await socket.SendAsync(Encoding.ASCII.GetBytes($"CONNECT 127.0.0.1:{upstream.Port} HTTP/1.1\r\nHost: 127.0.0.1:{upstream.Port}\r\n\r\n"), SocketFlags.None);
        var (head, rest) = await RawIo.ReadHeadAsync(socket, Wait);
        Assert.StartsWith("HTTP/1.1 200", head);
        Assert.Empty(rest);

        Assert.Equal(0, await ReadOnceAsync(socket));
    }

    [Fact]
    public async Task An_idle_tunnel_half_closes_the_upstream_too_FR011()
    {
        var upstreamSaw = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = new RawUpstream(async (socket, _) =>
        {
            try
            {
                upstreamSaw.TrySetResult(await socket.ReceiveAsync(new byte[16], SocketFlags.None));
            }
            catch (SocketException e)
            {
                upstreamSaw.TrySetException(e);
            }
        });
        using var socket = await Proxy.ConnectRawAsync();
        await socket.SendAsync(Encoding.ASCII.GetBytes($"CONNECT 127.0.0.1:{upstream.Port} HTTP/1.1\r\nHost: 127.0.0.1:{upstream.Port}\r\n\r\n"), SocketFlags.None);
        await RawIo.ReadHeadAsync(socket, Wait);

        Assert.Equal(0, await upstreamSaw.Task.WaitAsync(Wait));
    }

    [Fact]
    public async Task An_idle_keep_alive_client_reads_a_clean_end_of_stream_after_its_response_FR011()
    {
        using var socket = await Proxy.ConnectRawAsync();
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET http://{Upstream.Authority}/stream?n=10 HTTP/1.1\r\nHost: {Upstream.Authority}\r\n\r\n"), SocketFlags.None);
        var (head, body) = await RawIo.ReadHeadAsync(socket, Wait);
        Assert.StartsWith("HTTP/1.1 200", head);
        Assert.Contains("Content-Length: 10\r\n", head);
        var received = body.Length;
        while (received < 10) received += await ReadOnceAsync(socket);

        Assert.Equal(0, await ReadOnceAsync(socket));
    }

    /// <summary>One receive, bounded; a reset surfaces as the SocketException the spec fails on.</summary>
    private static async Task<int> ReadOnceAsync(Socket socket)
    {
        using var deadline = new CancellationTokenSource(Wait);
        return await socket.ReceiveAsync(new byte[4096], SocketFlags.None, deadline.Token);
    }
}
