using System.Globalization;
using System.Net.Sockets;
using System.Security.Authentication;

namespace Outcall.LoadTools;

/// <summary>
/// Memory per held tunnel, for `idle` (plain tunnels) and `https-idle` (intercepted ones): reads the proxy's
/// resident memory (VmRSS of --pid) before opening --tunnels N, each used once, and again after they settle
/// (--settle-seconds, 6 by default: longer than Outcall's idle-trim window, so both samples are of a node at rest);
/// then uses every tunnel once more to check it still carries data. Memory per tunnel = (after - before) / N.
/// </summary>
internal static class HeldTunnels
{
    private const int OpenConcurrency = 64;

    /// <param name="open">Opens one tunnel and uses it once, so the proxy holds a live tunnel past its set-up.</param>
    /// <param name="use">One more exchange over an open tunnel.</param>
    public static async Task<int> MeasureAsync<T>(Options options, Func<CancellationToken, Task<T>> open, Func<T, CancellationToken, Task> use)
        where T : class, IDisposable
    {
        var count = options.Int("tunnels", 10_000);
        var pid = options.Int("pid", 0);
        var settle = TimeSpan.FromSeconds(options.Int("settle-seconds", 6));
        using var overall = new CancellationTokenSource(TimeSpan.FromSeconds(options.Int("seconds", 120)));

        var before = ResidentKilobytes(pid);
        var tunnels = new T?[count];
        var openErrors = await ForEachAsync(count, async i => tunnels[i] = await open(overall.Token).ConfigureAwait(false)).ConfigureAwait(false);
        await Task.Delay(settle, overall.Token).ConfigureAwait(false);
        var after = ResidentKilobytes(pid);

        var carryErrors = await ForEachAsync(count, async i =>
            await use(tunnels[i] ?? throw new IOException("tunnel never opened"), overall.Token).ConfigureAwait(false)).ConfigureAwait(false);
        foreach (var tunnel in tunnels) tunnel?.Dispose();

        var perTunnel = (after - before) / (double)count;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"rss_before_kb={before} rss_after_kb={after} kb_per_tunnel={perTunnel:F1} opened={count - openErrors} carried={count - carryErrors} tunnels={count}"));
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
                catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or AuthenticationException)
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
            return long.Parse(digits, CultureInfo.InvariantCulture);
        }
        throw new IOException($"no VmRSS for pid {pid}");
    }
}
