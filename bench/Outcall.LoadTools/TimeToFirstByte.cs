using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;

namespace Outcall.LoadTools;

/// <summary>
/// Time to first byte through a fresh tunnel at concurrency 1: per iteration, TCP connect, CONNECT and its 200 (none
/// for `direct`), a full TLS handshake with --target (an HTTPS server, its certificate not checked: loopback only),
/// `GET /small`, and the clock stops at the first response byte; the rest is read to the close so the next iteration
/// starts clean. Up to --requests iterations within --seconds, after a few uncounted ones (JIT, the proxy's pools).
/// </summary>
internal static class TimeToFirstByte
{
    private const int WarmupIterations = 20;
    private static readonly TimeSpan AttemptBound = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(Options options)
    {
        var proxy = options.Proxy();
        var target = IPEndPoint.TryParse(options.Text("target"), out var t) && t.Port > 0 ? t : throw new ArgumentException("--target must be ADDR:PORT");
        var requests = options.Int("requests", 1000);
        var duration = TimeSpan.FromSeconds(options.Int("seconds", 10));
        var request = Encoding.ASCII.GetBytes($"GET /small HTTP/1.1\r\nHost: {target}\r\nConnection: close\r\n\r\n");

        for (var i = 0; i < WarmupIterations; i++) await AttemptAsync(proxy, target, request).ConfigureAwait(false);
        var samples = new List<double>(requests);
        var errors = 0;
        var clock = Stopwatch.StartNew();
        while (samples.Count + errors < requests && clock.Elapsed < duration)
        {
            var milliseconds = await AttemptAsync(proxy, target, request).ConfigureAwait(false);
            if (milliseconds is { } ms) samples.Add(ms);
            else errors++;
        }
        samples.Sort();
        Console.WriteLine($"p50_ms={Percentile(samples, 0.50)} p99_ms={Percentile(samples, 0.99)} count={samples.Count} errors={errors}");
        return 0;
    }

    /// <summary>One fresh tunnel and one request; the milliseconds to the first response byte, or null if any step failed.</summary>
    private static async Task<double?> AttemptAsync(IPEndPoint? proxy, IPEndPoint target, byte[] request)
    {
        using var bound = new CancellationTokenSource(AttemptBound);
        try
        {
            var started = Stopwatch.GetTimestamp();
            using var socket = await TunnelClient.OpenAsync(proxy, target, bound.Token).ConfigureAwait(false);
            await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: false), false, (_, _, _, _) => true);
            // No session resumption: every iteration is a new client, as an agent's fresh HTTPS call is.
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "127.0.0.1", AllowTlsResume = false }, bound.Token)
                .ConfigureAwait(false);
            await tls.WriteAsync(request, bound.Token).ConfigureAwait(false);
            var buffer = new byte[4096];
            var read = await tls.ReadAsync(buffer, bound.Token).ConfigureAwait(false);
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (read == 0) return null;
            if (read < 12) read += await tls.ReadAtLeastAsync(buffer.AsMemory(read), 12 - read, false, bound.Token).ConfigureAwait(false);
            if (read < 12 || !buffer.AsSpan(0, 12).SequenceEqual("HTTP/1.1 200"u8)) return null;
            // Drained to nginx's close (Connection: close), so neither side resets the tunnel.
            await tls.CopyToAsync(Stream.Null, bound.Token).ConfigureAwait(false);
            return elapsed.TotalMilliseconds;
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or AuthenticationException)
        {
            return null;
        }
    }

    /// <summary>Nearest-rank percentile of sorted samples, in ms with three decimals; "-" when there are none.</summary>
    private static string Percentile(List<double> sorted, double quantile) =>
        sorted.Count == 0 ? "-" : sorted[Math.Max(0, (int)Math.Ceiling(quantile * sorted.Count) - 1)].ToString("F3", System.Globalization.CultureInfo.InvariantCulture);
}
