using System.Net.Sockets;
using System.Text;
using Outcall.Tests.Proxy;

namespace Outcall.Tests.Security;

/// <summary>
/// Bytes an upstream sent past the end of its response die with its connection: they are never read as
/// the answer to the client's next request on the same keep-alive connection, to this upstream or another.
/// </summary>
public sealed class UpstreamLeftoverSpecs : IAsyncLifetime
{
    private ProxyHarness _proxy = null!;

    public async Task InitializeAsync() => _proxy = await ProxyHarness.StartAsync();

    public async Task DisposeAsync() => await _proxy.DisposeAsync();

    private static RawUpstream Answering(string bytes) => new(async (socket, upstream) =>
    {
        var buffer = new byte[8192];
        var head = new StringBuilder();
        while (!head.ToString().Contains("\r\n\r\n"))
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None);
            if (read == 0) return;
            upstream.Record(buffer.AsSpan(0, read));
            head.Append(Encoding.Latin1.GetString(buffer, 0, read));
        }
        // One write: the response and the smuggled one behind it reach the proxy together.
        await socket.SendAsync(Encoding.ASCII.GetBytes(bytes), SocketFlags.None);
        await upstream.ReadToEndAsync(socket);
    });

    [Fact]
    public async Task A_response_smuggled_behind_a_complete_one_is_not_the_next_requests_answer()
    {
        await using var smuggler = Answering("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\ninjected");
        await using var honest = Answering("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nreal");
        using var client = await _proxy.ConnectRawAsync();

        await client.SendAsync(Encoding.ASCII.GetBytes($"GET http://127.0.0.1:{smuggler.Port}/ HTTP/1.1\r\nHost: 127.0.0.1:{smuggler.Port}\r\n\r\n"), SocketFlags.None);
        var (first, firstBody) = await RawIo.ReadHeadAsync(client, TimeSpan.FromSeconds(10));
        Assert.StartsWith("HTTP/1.1 200", first);
        Assert.Equal("ok", await ReadBodyAsync(client, firstBody, 2));

        await client.SendAsync(Encoding.ASCII.GetBytes($"GET http://127.0.0.1:{honest.Port}/ HTTP/1.1\r\nHost: 127.0.0.1:{honest.Port}\r\nConnection: close\r\n\r\n"), SocketFlags.None);
        var second = await RawIo.ReadUntilCloseAsync(client, TimeSpan.FromSeconds(10));
        Assert.DoesNotContain("injected", second);
        Assert.StartsWith("HTTP/1.1 200", second);
        Assert.EndsWith("\r\n\r\nreal", second);
    }

    private static async Task<string> ReadBodyAsync(Socket socket, byte[] already, int length)
    {
        var body = new List<byte>(already);
        var buffer = new byte[1024];
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (body.Count < length)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
            if (read == 0) break;
            body.AddRange(buffer.AsSpan(0, read).ToArray());
        }
        return Encoding.Latin1.GetString(body.ToArray());
    }
}
