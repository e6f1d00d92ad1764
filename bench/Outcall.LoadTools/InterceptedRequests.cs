using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Outcall.LoadTools;

/// <summary>
/// HTTPS requests/s and latency through an intercepting proxy (or `direct`), for bench/intercept.sh.
/// keepalive: each of --connections workers opens one CONNECT + TLS and loops GET over it (latency of the GET alone);
/// new: each request is a fresh TCP connect + CONNECT + TLS + GET + close (latency of all of it).
/// A refused tunnel, a failed handshake, a non-200 or a timeout is an error, never a request: a proxy that
/// refuses shows errors, not a fast rate. A keep-alive worker reopens its connection after a transport error.
/// </summary>
internal static class InterceptedRequests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(Options options)
    {
        var proxy = options.Proxy();
        var target = Target(options);
        var path = options.TextOr("path", "/small");
        var anchors = Anchors(options);
        var mode = options.TextOr("mode", "keepalive");
        if (mode is not ("keepalive" or "new")) throw new ArgumentException("--mode must be keepalive or new");
        var workers = options.Int("connections", 50);
        var duration = TimeSpan.FromSeconds(options.Int("seconds", 10));
        var errors = 0L;
        var latencies = new List<long>[workers];
        var clock = Stopwatch.StartNew();

        async Task KeepAliveAsync(List<long> mine)
        {
            HttpsConnection? connection = null;
            while (clock.Elapsed < duration)
            {
                using var attempt = new CancellationTokenSource(Timeout);
                try
                {
                    connection ??= await HttpsConnection.OpenAsync(proxy, target, path, anchors, close: false, attempt.Token).ConfigureAwait(false);
                    var started = Stopwatch.GetTimestamp();
                    if (await connection.GetAsync(attempt.Token).ConfigureAwait(false)) mine.Add(Stopwatch.GetTimestamp() - started);
                    else Interlocked.Increment(ref errors);
                }
                catch (Exception e) when (IsFailure(e))
                {
                    Interlocked.Increment(ref errors);
                    connection?.Dispose();
                    connection = null;
                }
            }
            connection?.Dispose();
        }

        async Task NewConnectionsAsync(List<long> mine)
        {
            while (clock.Elapsed < duration)
            {
                using var attempt = new CancellationTokenSource(Timeout);
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var connection = await HttpsConnection.OpenAsync(proxy, target, path, anchors, close: true, attempt.Token).ConfigureAwait(false);
                    if (await connection.GetAsync(attempt.Token).ConfigureAwait(false)) mine.Add(Stopwatch.GetTimestamp() - started);
                    else Interlocked.Increment(ref errors);
                }
                catch (Exception e) when (IsFailure(e))
                {
                    Interlocked.Increment(ref errors);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, workers).Select(i =>
        {
            var mine = latencies[i] = [];
            return Task.Run(() => mode == "new" ? NewConnectionsAsync(mine) : KeepAliveAsync(mine));
        })).ConfigureAwait(false);
        var seconds = clock.Elapsed.TotalSeconds;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"rps={all.Length / seconds:F1} p50_ms={Percentile(all, 0.50)} p99_ms={Percentile(all, 0.99)} count={all.Length} errors={errors} seconds={seconds:F2}"));
        return 0;
    }

    public static IPEndPoint Target(Options options) =>
        IPEndPoint.TryParse(options.Text("target"), out var target) && target.Port > 0 ? target
        : throw new ArgumentException("--target must be ADDR:PORT");

    public static X509Certificate2Collection Anchors(Options options)
    {
        var anchors = new X509Certificate2Collection();
        anchors.ImportFromPemFile(options.Text("ca"));
        return anchors.Count > 0 ? anchors : throw new ArgumentException("--ca holds no PEM certificate");
    }

    private static bool IsFailure(Exception e) => e is SocketException or IOException or OperationCanceledException or AuthenticationException;

    /// <summary>Milliseconds, or "-" when no request succeeded.</summary>
    private static string Percentile(long[] sorted, double p) =>
        sorted.Length == 0 ? "-"
        : (sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)] * 1000.0 / Stopwatch.Frequency).ToString("F3", CultureInfo.InvariantCulture);
}
