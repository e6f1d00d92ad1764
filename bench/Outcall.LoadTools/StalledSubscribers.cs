using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Outcall.LoadTools;

/// <summary>
/// Issue 15's measurement: small-GET throughput through the proxy with no event-stream subscriber, then with
/// --subscribers stuck ones (each opens GET /api/v1/events on the admin listener, reads the response head, then never
/// reads again, so its socket and the server's buffers fill), alternating for --rounds rounds of --seconds each so both
/// see the same machine (every other round with the stuck phase first, so neither always runs on the warmer node).
/// Prints the median requests/s of each and their ratio (stuck / none; 1.00 = no slowdown).
/// Each phase runs --connections keep-alive clients looping GET on --target (default: a built-in 1 KiB origin).
/// </summary>
internal static class StalledSubscribers
{
    public static async Task<int> RunAsync(Options options)
    {
        var proxy = options.Proxy() ?? throw new ArgumentException("--proxy must name the proxy, not direct");
        var admin = IPEndPoint.TryParse(options.Text("admin"), out var a) && a.Port > 0 ? a : throw new ArgumentException("--admin must be ADDR:PORT");
        var subscribers = options.Int("subscribers", 5);
        var connections = options.Int("connections", 20);
        var duration = TimeSpan.FromSeconds(options.Int("seconds", 5));
        var rounds = options.Int("rounds", 3);
        await using var origin = SmallOrigin.Start();
        var target = options.TextOr("target", $"http://{origin.EndPoint}/small");
        var request = Encoding.ASCII.GetBytes($"GET {target} HTTP/1.1\r\nHost: {new Uri(target).Authority}\r\n\r\n");

        await GetsAsync(proxy, request, connections, TimeSpan.FromSeconds(2)).ConfigureAwait(false); // warm-up: JIT, pools
        var none = new List<double>();
        var stuck = new List<double>();
        long errors = 0;
        for (var round = 0; round < rounds; round++)
        {
            // Every other round runs the stuck phase first: whichever phase runs second also runs later, on a warmer node.
            var stuckFirst = round % 2 == 1;
            Phase idle, loaded;
            if (stuckFirst)
            {
                loaded = await StuckPhaseAsync().ConfigureAwait(false);
                idle = await GetsAsync(proxy, request, connections, duration).ConfigureAwait(false);
            }
            else
            {
                idle = await GetsAsync(proxy, request, connections, duration).ConfigureAwait(false);
                loaded = await StuckPhaseAsync().ConfigureAwait(false);
            }
            none.Add(idle.Rate);
            stuck.Add(loaded.Rate);
            errors += idle.Errors + loaded.Errors;
            Console.Error.WriteLine($"round {round + 1} ({(stuckFirst ? "stuck" : "none")} first): none={idle.Rate:F0} req/s, {subscribers} stuck={loaded.Rate:F0} req/s");
        }
        var (noneMedian, stuckMedian) = (Median(none), Median(stuck));
        Console.WriteLine($"none_rps={noneMedian:F1} stuck_rps={stuckMedian:F1} ratio={stuckMedian / noneMedian:F3} subscribers={subscribers} " +
                          $"connections={connections} seconds={duration.TotalSeconds:F0} rounds={rounds} errors={errors}");
        return 0;

        async Task<Phase> StuckPhaseAsync()
        {
            var held = await OpenStuckAsync(admin, subscribers).ConfigureAwait(false);
            try
            {
                return await GetsAsync(proxy, request, connections, duration).ConfigureAwait(false);
            }
            finally
            {
                foreach (var socket in held) socket.Dispose();
            }
        }
    }

    /// <summary>Subscribers that read their response head (so the subscription exists) and then nothing more.</summary>
    private static async Task<List<Socket>> OpenStuckAsync(IPEndPoint admin, int count)
    {
        var sockets = new List<Socket>();
        var subscribe = Encoding.ASCII.GetBytes($"GET /api/v1/events HTTP/1.1\r\nHost: {admin}\r\nAccept: text/event-stream\r\n\r\n");
        for (var i = 0; i < count; i++)
        {
            // A small receive window, so the stall reaches the server after a few events rather than a few megabytes.
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
            sockets.Add(socket);
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await socket.ConnectAsync(admin, deadline.Token).ConfigureAwait(false);
            await socket.SendAsync(subscribe, SocketFlags.None, deadline.Token).ConfigureAwait(false);
            var head = new byte[1];
            var seen = new StringBuilder();
            while (!seen.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
            {
                if (await socket.ReceiveAsync(head, SocketFlags.None, deadline.Token).ConfigureAwait(false) == 0)
                    throw new IOException("the admin listener closed the event stream");
                seen.Append((char)head[0]);
            }
            if (!seen.ToString().StartsWith("HTTP/1.1 200", StringComparison.Ordinal)) throw new IOException($"event stream refused: {seen}");
        }
        return sockets;
    }

    private readonly record struct Phase(double Rate, long Errors);

    private static async Task<Phase> GetsAsync(IPEndPoint proxy, byte[] request, int connections, TimeSpan duration)
    {
        long completed = 0, errors = 0;
        var clock = Stopwatch.StartNew();

        async Task ClientAsync()
        {
            var buffer = new byte[16384];
            while (clock.Elapsed < duration)
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    using var attempt = new CancellationTokenSource(duration + TimeSpan.FromSeconds(10));
                    await socket.ConnectAsync(proxy, attempt.Token).ConfigureAwait(false);
                    while (clock.Elapsed < duration)
                    {
                        await socket.SendAsync(request, SocketFlags.None, attempt.Token).ConfigureAwait(false);
                        await ReadResponseAsync(socket, buffer, attempt.Token).ConfigureAwait(false);
                        Interlocked.Increment(ref completed);
                    }
                }
                catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => Task.Run(ClientAsync))).ConfigureAwait(false);
        return new Phase(completed / clock.Elapsed.TotalSeconds, errors);
    }

    /// <summary>One 200 response with a Content-Length body; anything else is an error (the proxy refused or failed).</summary>
    private static async Task ReadResponseAsync(Socket socket, byte[] buffer, CancellationToken cancellationToken)
    {
        var held = 0;
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(held), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (read == 0) throw new IOException("closed mid-response");
            held += read;
            var end = buffer.AsSpan(0, held).IndexOf("\r\n\r\n"u8);
            if (end < 0)
            {
                if (held == buffer.Length) throw new IOException("response head too large");
                continue;
            }
            var head = Encoding.ASCII.GetString(buffer, 0, end);
            if (!head.StartsWith("HTTP/1.1 200", StringComparison.Ordinal)) throw new IOException($"status {head.Split('\r')[0]}");
            var length = ContentLength(head);
            var body = held - end - 4;
            while (body < length)
            {
                read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (read == 0) throw new IOException("closed mid-body");
                body += read;
            }
            if (body != length) throw new IOException("more bytes than the response's Content-Length");
            return;
        }
    }

    private static long ContentLength(string head)
    {
        foreach (var line in head.Split("\r\n"))
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) return long.Parse(line.AsSpan(15).Trim());
        throw new IOException("response without Content-Length");
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
