using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Outcall.Tests.Proxy;

namespace Outcall.Tests.Upstream;

[CollectionDefinition(nameof(MemoryMeasurement), DisableParallelization = true)]
public sealed class MemoryMeasurement;

/// <summary>
/// A slow side never makes the proxy buffer without bound (seed: HTTP Correctness, backpressure). The
/// proxy holds at most its fixed per-connection buffers (HTTP: 64 KiB upstream + a client buffer of
/// client-hello-max-bytes, 16 KiB; tunnels: one 64 KiB read, TunnelGraph.ReadSize, and one chunk in flight
/// per direction); the TCP window does the rest. Measured here as
/// the growth of this process's resident memory while 500 MB pass a throttled side, against a 96 MB bound
/// that leaves room for the GC's own slack but not for 500 MB of buffering. Runs alone so that other
/// specs' allocations do not count.
/// </summary>
[Collection(nameof(MemoryMeasurement))]
public sealed class BackpressureSpecs : IAsyncLifetime
{
    private const long Total = 500L * 1024 * 1024;
    private const long MaxGrowth = 96L * 1024 * 1024;
    private ProxyHarness _proxy = null!;
    private HttpUpstream _upstream = null!;

    public async Task InitializeAsync()
    {
        _upstream = await HttpUpstream.StartAsync();
        _proxy = await ProxyHarness.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task A_client_reading_slowly_from_a_fast_upstream_holds_the_proxy_memory_to_a_fixed_bound()
    {
        using var socket = await _proxy.ConnectRawAsync();
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET http://{_upstream.Authority}/stream?n={Total} HTTP/1.1\r\nHost: {_upstream.Authority}\r\n\r\n"), SocketFlags.None);
        var (_, early) = await RawIo.ReadHeadAsync(socket, TimeSpan.FromSeconds(10));
        var growth = await PeakGrowthWhileAsync(() => ReadThrottledAsync(socket, Total - early.Length));
        Assert.True(growth < MaxGrowth, $"resident memory grew {growth / 1024 / 1024} MB while {Total / 1024 / 1024} MB passed");
    }

    [Fact]
    public async Task A_fast_client_uploading_to_a_slow_upstream_holds_the_proxy_memory_to_a_fixed_bound()
    {
        await using var slow = new RawUpstream(async (socket, _) =>
        {
            var received = await ReadThrottledAsync(socket, long.MaxValue, stopAtHeadOf: Total);
            await socket.SendAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {received.ToString().Length}\r\n\r\n{received}"), SocketFlags.None);
        });
        using var socket = await _proxy.ConnectRawAsync();
        var growth = await PeakGrowthWhileAsync(async () =>
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes($"POST http://127.0.0.1:{slow.Port}/up HTTP/1.1\r\nHost: 127.0.0.1:{slow.Port}\r\nContent-Length: {Total}\r\n\r\n"), SocketFlags.None);
            var block = HttpUpstream.Pattern(64 * 1024);
            for (long sent = 0; sent < Total; sent += block.Length) await socket.SendAsync(block, SocketFlags.None);
            var (head, _) = await RawIo.ReadHeadAsync(socket, TimeSpan.FromSeconds(60));
            Assert.StartsWith("HTTP/1.1 200", head);
        });
        Assert.True(growth < MaxGrowth, $"resident memory grew {growth / 1024 / 1024} MB while {Total / 1024 / 1024} MB passed");
    }

    [Fact]
    public async Task A_tunnel_client_reading_slowly_holds_the_proxy_memory_to_a_fixed_bound()
    {
        await using var fast = new RawUpstream(async (socket, _) =>
        {
            var block = HttpUpstream.Pattern(64 * 1024);
            for (long sent = 0; sent < Total; sent += block.Length) await socket.SendAsync(block, SocketFlags.None);
            socket.Shutdown(SocketShutdown.Send);
        });
        using var socket = await _proxy.ConnectRawAsync();
        await socket.SendAsync(Encoding.ASCII.GetBytes($"CONNECT 127.0.0.1:{fast.Port} HTTP/1.1\r\nHost: 127.0.0.1:{fast.Port}\r\n\r\n"), SocketFlags.None);
        var (head, early) = await RawIo.ReadHeadAsync(socket, TimeSpan.FromSeconds(10));
        Assert.StartsWith("HTTP/1.1 200", head);
        var growth = await PeakGrowthWhileAsync(() => ReadThrottledAsync(socket, Total - early.Length));
        Assert.True(growth < MaxGrowth, $"resident memory grew {growth / 1024 / 1024} MB while {Total / 1024 / 1024} MB passed");
    }

    /// <summary>Reads at most 128 KiB per millisecond tick (about 128 MB/s): slower than loopback delivers.</summary>
    private static async Task<long> ReadThrottledAsync(Socket socket, long expected, long stopAtHeadOf = -1)
    {
        var buffer = new byte[64 * 1024];
        long total = 0;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var headSeen = stopAtHeadOf < 0;
        long bodyTarget = expected;
        var headBytes = new List<byte>();
        var reads = 0;
        while (total < bodyTarget)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
            if (read == 0) break;
            if (!headSeen)
            {
                // The slow upstream side: skip the request head, then count exactly the body.
                headBytes.AddRange(buffer.AsSpan(0, read).ToArray());
                var text = Encoding.Latin1.GetString(headBytes.ToArray());
                var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                if (end < 0) continue;
                headSeen = true;
                total = headBytes.Count - (end + 4);
                bodyTarget = stopAtHeadOf;
                continue;
            }
            total += read;
            if (++reads % 2 == 0) await Task.Delay(1, deadline.Token);
        }
        Assert.Equal(bodyTarget, total);
        return total;
    }

    private static async Task<long> PeakGrowthWhileAsync(Func<Task> transfer)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var baseline = ResidentBytes();
        var peak = baseline;
        var running = transfer();
        while (!running.IsCompleted)
        {
            peak = Math.Max(peak, ResidentBytes());
            await Task.WhenAny(running, Task.Delay(20));
        }
        await running;
        return peak - baseline;
    }

    private static long ResidentBytes()
    {
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }
}
