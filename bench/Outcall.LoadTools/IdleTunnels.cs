using System.Diagnostics;
using System.Net.Sockets;

namespace Outcall.LoadTools;

/// <summary>
/// Opens N tunnels through the proxy and leaves them idle, reading the proxy's resident memory
/// (VmRSS of --pid) before and after; then checks every tunnel still carries data. Memory per
/// tunnel = (after - before) / N.
/// </summary>
internal static class IdleTunnels
{
    private const int OpenConcurrency = 64;

    public static async Task<int> RunAsync(Options options)
    {
        var proxy = options.Proxy() ?? throw new ArgumentException("idle needs a proxy");
        var count = options.Int("tunnels", 10_000);
        var pid = options.Int("pid", 0);
        var settle = TimeSpan.FromSeconds(options.Int("settle-seconds", 3));
        var deadline = TimeSpan.FromSeconds(options.Int("seconds", 120));
        await using var echo = EchoServer.Start();
        using var overall = new CancellationTokenSource(deadline);

        var before = ResidentKilobytes(pid);
        var tunnels = new Socket?[count];
        var openErrors = await ForEachAsync(count, async i =>
        {
            var socket = await TunnelClient.OpenAsync(proxy, echo.EndPoint, overall.Token).ConfigureAwait(false);
            tunnels[i] = socket;
            // One echo first, so the proxy is past its ClientHello peek and holds a live tunnel.
            await TunnelClient.EchoAsync(socket, overall.Token).ConfigureAwait(false);
        }).ConfigureAwait(false);
        await Task.Delay(settle, overall.Token).ConfigureAwait(false);
        var after = ResidentKilobytes(pid);

        var carryErrors = await ForEachAsync(count, async i =>
        {
            var socket = tunnels[i] ?? throw new IOException("tunnel never opened");
            await TunnelClient.EchoAsync(socket, overall.Token).ConfigureAwait(false);
        }).ConfigureAwait(false);
        foreach (var socket in tunnels) socket?.Dispose();

        var perTunnel = (after - before) / (double)count;
        Console.WriteLine($"rss_before_kb={before} rss_after_kb={after} kb_per_tunnel={perTunnel:F1} opened={count - openErrors} carried={count - carryErrors} tunnels={count}");
        return 0;
    }

    /// <summary>Runs the action for 0..count-1 with bounded concurrency; returns how many failed.</summary>
    private static async Task<int> ForEachAsync(int count, Func<int, Task> action)
    {
        var failures = 0;
        var next = -1;
        async Task WorkerAsync()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                try
                {
                    await action(i).ConfigureAwait(false);
                }
                catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, OpenConcurrency).Select(_ => Task.Run(WorkerAsync))).ConfigureAwait(false);
        return failures;
    }

    private static long ResidentKilobytes(int pid)
    {
        if (pid == 0) return 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (!line.StartsWith("VmRSS:", StringComparison.Ordinal)) continue;
            var digits = line["VmRSS:".Length..].Trim().Split(' ')[0];
            return long.Parse(digits, System.Globalization.CultureInfo.InvariantCulture);
        }
        throw new IOException($"no VmRSS for pid {pid}");
    }
}
