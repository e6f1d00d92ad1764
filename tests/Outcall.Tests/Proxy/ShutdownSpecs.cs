using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Outcall.Tests.Proxy;

/// <summary>Graceful shutdown through CoordinatedShutdown (FR-015 / EC-013, SC-005).</summary>
public sealed class ShutdownSpecs : IAsyncLifetime
{
    private RawUpstream _echo = null!;

    public Task InitializeAsync()
    {
        _echo = new RawUpstream(async (socket, self) =>
        {
            var buffer = new byte[4096];
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None)) > 0)
            {
                self.Record(buffer.AsSpan(0, read));
                await socket.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
            }
            socket.Shutdown(SocketShutdown.Send);
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _echo.DisposeAsync();

    private static async Task<Socket> OpenTunnelAsync(ProxyHarness proxy, int port)
    {
        var socket = await proxy.ConnectRawAsync();
        await socket.SendAsync(Encoding.ASCII.GetBytes($"CONNECT 127.0.0.1:{port} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"), SocketFlags.None);
        var (head, _) = await RawIo.ReadHeadAsync(socket, TimeSpan.FromSeconds(10));
        Assert.StartsWith("HTTP/1.1 200", head);
        await EchoAsync(socket, "warm-up");
        return socket;
    }

    private static async Task EchoAsync(Socket socket, string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        await socket.SendAsync(bytes, SocketFlags.None);
        var back = new byte[bytes.Length];
        var read = 0;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (read < back.Length)
        {
            var n = await socket.ReceiveAsync(back.AsMemory(read), SocketFlags.None, deadline.Token);
            if (n == 0) throw new Xunit.Sdk.XunitException("tunnel closed during the echo");
            read += n;
        }
        Assert.Equal(text, Encoding.ASCII.GetString(back));
    }

    private static async Task AssertRefusedAsync(IPEndPoint endpoint)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var error = await Assert.ThrowsAsync<SocketException>(() => probe.ConnectAsync(endpoint));
        Assert.Equal(SocketError.ConnectionRefused, error.SocketErrorCode);
    }

    [Fact]
    public async Task Tunnels_that_finish_inside_the_grace_complete_while_new_clients_are_refused()
    {
        var proxy = await ProxyHarness.StartAsync(extraHocon: "outcall.proxy.shutdown-grace = 20s");
        var tunnels = new List<Socket>();
        for (var i = 0; i < 3; i++) tunnels.Add(await OpenTunnelAsync(proxy, _echo.Port));

        var stopping = proxy.Node.StopAsync();
        await proxy.Log.WaitForLineAsync(l => l.Contains("Stopped accepting"));
        await AssertRefusedAsync(proxy.Endpoint);
        foreach (var tunnel in tunnels) await EchoAsync(tunnel, "still flowing during the drain");
        foreach (var tunnel in tunnels)
        {
            tunnel.Shutdown(SocketShutdown.Send);
            await RawIo.ReadBytesUntilCloseAsync(tunnel, TimeSpan.FromSeconds(10));
            tunnel.Dispose();
        }
        await stopping.WaitAsync(TimeSpan.FromSeconds(15));
        var summary = await proxy.Log.WaitForLineAsync(l => l.Contains("Shutdown drained"));
        Assert.Contains("\"Finished\":3", summary);
        Assert.Contains("\"Cut\":0", summary);
        await proxy.DisposeAsync();
    }

    [Fact]
    public async Task Tunnels_still_open_after_the_grace_are_cut_and_the_port_is_released_SC005()
    {
        var proxy = await ProxyHarness.StartAsync(extraHocon: "outcall.proxy.shutdown-grace = 1s");
        var tunnels = new List<Socket>();
        for (var i = 0; i < 3; i++) tunnels.Add(await OpenTunnelAsync(proxy, _echo.Port));

        await proxy.Node.StopAsync().WaitAsync(TimeSpan.FromSeconds(15));
        foreach (var tunnel in tunnels)
        {
            await RawIo.ReadBytesUntilCloseAsync(tunnel, TimeSpan.FromSeconds(10));
            tunnel.Dispose();
        }
        var summary = await proxy.Log.WaitForLineAsync(l => l.Contains("Shutdown drained"));
        Assert.Contains("\"Cut\":3", summary);
        await AssertRefusedAsync(proxy.Endpoint);
        await proxy.DisposeAsync();
    }
}
