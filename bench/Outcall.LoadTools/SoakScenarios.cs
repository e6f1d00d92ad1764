using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;

namespace Outcall.LoadTools;

/// <summary>
/// The soak's traffic, one method per kind of client, each run once per call (the <see cref="Pacer"/> repeats it).
/// Well-behaved clients verify every byte they get and record any failure; hostile and faulty clients record
/// what the proxy did to them. Every wait is bounded; in-flight work finishes on its own bound, not the stop.
/// </summary>
internal sealed class SoakScenarios(IPEndPoint proxy, SoakOrigin origin, EchoServer echo, TlsEchoServer tlsEcho) : IDisposable
{
    private static readonly TimeSpan WellBehavedBound = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan HostileBound = TimeSpan.FromSeconds(30);

    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        Proxy = new WebProxy($"http://{proxy}"), UseProxy = true, MaxConnectionsPerServer = 256, AllowAutoRedirect = false,
    }) { Timeout = WellBehavedBound };
    private readonly string _originAuthority = $"127.0.0.1:{origin.Port}";
    private int _hostileTurn;

    public SoakTally SmallGets { get; } = new("small GETs (1 KB)", true);
    public SoakTally BulkTunnels { get; } = new("bulk through a plain CONNECT tunnel (16 MB)", true);
    public SoakTally TlsTunnels { get; } = new("TLS tunnel echo (1 MB)", true);
    public SoakTally Churn { get; } = new("tunnel churn (CONNECT, echo, close)", true);
    public SoakTally WebSockets { get; } = new("WebSocket sessions (10 echoes)", true);
    public SoakTally Hostile { get; } = new("hostile requests", false);
    public SoakTally ResetMidBody { get; } = new("clients that reset mid-body", false);
    public SoakTally SlowReaders { get; } = new("slow readers (4 KB per 100 ms for 15 s)", false);
    public SoakTally DyingUpstream { get; } = new("upstream dies mid-response", false);

    public IEnumerable<SoakTally> All => [SmallGets, BulkTunnels, TlsTunnels, Churn, WebSockets, Hostile, ResetMidBody, SlowReaders, DyingUpstream];

    private static async Task WellBehavedAsync(SoakTally tally, Func<CancellationToken, Task> work)
    {
        using var bound = new CancellationTokenSource(WellBehavedBound);
        try
        {
            await work(bound.Token).ConfigureAwait(false);
            tally.Succeeded();
        }
        catch (Exception e)
        {
            tally.Failed($"{e.GetType().Name}: {e.Message}");
        }
    }

    public Task SmallGetAsync(CancellationToken _) => WellBehavedAsync(SmallGets, async bound =>
    {
        using var response = await _http.GetAsync($"http://{_originAuthority}/small", bound).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK) throw new IOException($"status {(int)response.StatusCode}");
        var body = await response.Content.ReadAsByteArrayAsync(bound).ConfigureAwait(false);
        Verify(body, 0, SoakOrigin.SmallSize);
    });

    public Task BulkTunnelAsync(CancellationToken _) => WellBehavedAsync(BulkTunnels, async bound =>
    {
        const int megabytes = 16;
        using var socket = await TunnelClient.OpenAsync(proxy, new IPEndPoint(IPAddress.Loopback, origin.Port), bound).ConfigureAwait(false);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET /bulk/{megabytes} HTTP/1.1\r\nHost: {_originAuthority}\r\nConnection: close\r\n\r\n"), bound).ConfigureAwait(false);
        var (head, body) = await ReadHeadAsync(stream, bound).ConfigureAwait(false);
        if (!head.StartsWith("HTTP/1.1 200", StringComparison.Ordinal)) throw new IOException($"bulk answered {head.Split('\r')[0]}");
        var received = await VerifyToEndAsync(stream, body, bound).ConfigureAwait(false);
        if (received != (long)megabytes * SoakOrigin.MegaByte) throw new IOException($"bulk body {received} bytes");
    });

    public Task TlsTunnelAsync(CancellationToken _) => WellBehavedAsync(TlsTunnels, async bound =>
    {
        using var socket = await TunnelClient.OpenAsync(proxy, tlsEcho.EndPoint, bound).ConfigureAwait(false);
        await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: false), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "127.0.0.1" }, bound).ConfigureAwait(false);
        var block = new byte[16 * 1024];
        Random.Shared.NextBytes(block);
        const int blocks = 64;
        var reading = Task.Run(async () =>
        {
            var echoed = new byte[block.Length];
            for (var i = 0; i < blocks; i++)
            {
                await tls.ReadExactlyAsync(echoed, bound).ConfigureAwait(false);
                if (!echoed.AsSpan().SequenceEqual(block)) throw new IOException("TLS echo differs");
            }
        }, bound);
        for (var i = 0; i < blocks; i++) await tls.WriteAsync(block, bound).ConfigureAwait(false);
        await reading.ConfigureAwait(false);
        await tls.ShutdownAsync().ConfigureAwait(false);
    });

    public Task ChurnAsync(CancellationToken _) => WellBehavedAsync(Churn, async bound =>
    {
        using var socket = await TunnelClient.OpenAsync(proxy, echo.EndPoint, bound).ConfigureAwait(false);
        await TunnelClient.EchoAsync(socket, bound).ConfigureAwait(false);
        socket.Shutdown(SocketShutdown.Both);
    });

    public Task WebSocketAsync(CancellationToken _) => WellBehavedAsync(WebSockets, async bound =>
    {
        using var socket = new ClientWebSocket();
        socket.Options.Proxy = new WebProxy($"http://{proxy}");
        await socket.ConnectAsync(new Uri($"ws://{_originAuthority}/ws"), bound).ConfigureAwait(false);
        var message = new byte[1024];
        var echoed = new byte[1024];
        for (var i = 0; i < 10; i++)
        {
            Random.Shared.NextBytes(message);
            await socket.SendAsync(message, WebSocketMessageType.Binary, true, bound).ConfigureAwait(false);
            var filled = 0;
            while (filled < echoed.Length)
            {
                var result = await socket.ReceiveAsync(echoed.AsMemory(filled), bound).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close) throw new IOException("WebSocket closed mid-session");
                filled += result.Count;
            }
            if (!echoed.AsSpan().SequenceEqual(message)) throw new IOException("WebSocket echo differs");
        }
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, bound).ConfigureAwait(false);
    });

    /// <summary>Requests real attackers and broken clients send: smuggling shapes, oversized heads, garbage, refused targets.</summary>
    private string[] HostileRequests() =>
    [
        $"POST http://{_originAuthority}/upload HTTP/1.1\r\nHost: {_originAuthority}\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        $"GET http://{_originAuthority}/small HTTP/1.1\r\nHost: {_originAuthority}\r\nX-Big: {new string('a', 70_000)}\r\n\r\n",
        "\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003garbage that is not HTTP\r\n\r\n",
        $"GET http://{_originAuthority}/small HTTP/1.1\r\nHost: {_originAuthority}\r\nContent-Length: -1\r\n\r\n",
        $"GET http://{_originAuthority}/small HTTP/1.1\r\nHost: {_originAuthority}\r\n Folded: yes\r\n\r\n",
        $"GET http://{_originAuthority}/small HTTP/1.1\nHost: {_originAuthority}\nX: a\u0000b\n\n",
        "GET http://blocked.invalid/secret HTTP/1.1\r\nHost: blocked.invalid\r\n\r\n",
        "CONNECT blocked.invalid:443 HTTP/1.1\r\nHost: blocked.invalid:443\r\n\r\n",
        "CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n",
        $"POST http://{_originAuthority}/upload HTTP/1.1\r\nHost: {_originAuthority}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nbad chunk\r\n",
        $"GET http://{_originAuthority}/small HTTP/1.1\r\nHost: {_originAuthority}\r\nHost: other.invalid\r\n\r\n",
        $"GET /relative-without-host HTTP/1.1\r\n\r\n",
    ];

    /// <summary>
    /// One raw connection to the proxy for a hostile or faulty client: the exchange names its outcome; a
    /// proxy that neither answers nor closes within the bound is "hung", a refused or reset socket says so.
    /// </summary>
    private async Task RawAsync(SoakTally tally, Func<Socket, CancellationToken, Task<string>> exchange, int receiveBuffer = 0)
    {
        using var bound = new CancellationTokenSource(HostileBound);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (receiveBuffer > 0) socket.ReceiveBufferSize = receiveBuffer;
        try
        {
            await socket.ConnectAsync(proxy, bound.Token).ConfigureAwait(false);
            tally.Saw(await exchange(socket, bound.Token).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            tally.Saw("hung");
        }
        catch (SocketException e)
        {
            tally.Saw("socket " + e.SocketErrorCode);
        }
    }

    private static void Reset(Socket socket)
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    public Task HostileAsync(CancellationToken _)
    {
        var requests = HostileRequests();
        var request = requests[(int)((uint)Interlocked.Increment(ref _hostileTurn) % requests.Length)];
        return RawAsync(Hostile, async (socket, bound) =>
        {
            await socket.SendAsync(Encoding.Latin1.GetBytes(request), SocketFlags.None, bound).ConfigureAwait(false);
            // The status of the first answer is the outcome (every one of these is refused or ends the connection).
            var buffer = new byte[4096];
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, bound).ConfigureAwait(false);
            return read >= 12 ? "answered " + Encoding.Latin1.GetString(buffer, 9, 3) : "closed without an answer";
        });
    }

    public Task ResetMidBodyAsync(CancellationToken _) => RawAsync(ResetMidBody, async (socket, bound) =>
    {
        await socket.SendAsync(Encoding.ASCII.GetBytes(
            $"POST http://{_originAuthority}/upload HTTP/1.1\r\nHost: {_originAuthority}\r\nContent-Length: {SoakOrigin.MegaByte}\r\n\r\n"), SocketFlags.None, bound).ConfigureAwait(false);
        await socket.SendAsync(new byte[64 * 1024], SocketFlags.None, bound).ConfigureAwait(false);
        Reset(socket);
        return "reset after 64 KB of 1 MB";
    });

    public Task SlowReaderAsync(CancellationToken _) => RawAsync(SlowReaders, async (socket, bound) =>
    {
        await socket.SendAsync(Encoding.ASCII.GetBytes(
            $"GET http://{_originAuthority}/bulk/64 HTTP/1.1\r\nHost: {_originAuthority}\r\n\r\n"), SocketFlags.None, bound).ConfigureAwait(false);
        var buffer = new byte[4096];
        var read = 0L;
        for (var i = 0; i < 150; i++)
        {
            var got = await socket.ReceiveAsync(buffer, SocketFlags.None, bound).ConfigureAwait(false);
            if (got == 0) break;
            read += got;
            await Task.Delay(100, bound).ConfigureAwait(false);
        }
        Reset(socket);
        return read > 0 ? "read slowly, then left" : "nothing to read";
    }, receiveBuffer: 4096);

    public Task DyingUpstreamAsync(CancellationToken _) => RawAsync(DyingUpstream, async (socket, bound) =>
    {
        await socket.SendAsync(Encoding.ASCII.GetBytes(
            $"GET http://{_originAuthority}/die HTTP/1.1\r\nHost: {_originAuthority}\r\n\r\n"), SocketFlags.None, bound).ConfigureAwait(false);
        var buffer = new byte[64 * 1024];
        long total = 0;
        int got;
        while ((got = await socket.ReceiveAsync(buffer, SocketFlags.None, bound).ConfigureAwait(false)) > 0) total += got;
        return total < SoakOrigin.MegaByte ? "cut short, then closed" : "whole body (unexpected)";
    });

    private static void Verify(ReadOnlySpan<byte> bytes, long offset, int expectedLength)
    {
        if (bytes.Length != expectedLength) throw new IOException($"{bytes.Length} bytes instead of {expectedLength}");
        CheckPattern(bytes, offset);
    }

    private static void CheckPattern(ReadOnlySpan<byte> bytes, long at)
    {
        for (var i = 0; i < bytes.Length; i++)
            if (bytes[i] != SoakOrigin.Expected(at + i)) throw new IOException($"byte {at + i} differs");
    }

    private static async Task<(string Head, byte[] Body)> ReadHeadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var received = new MemoryStream();
        var buffer = new byte[8192];
        while (true)
        {
            var read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (read == 0) throw new IOException("closed before a response head");
            received.Write(buffer, 0, read);
            var bytes = received.GetBuffer().AsSpan(0, (int)received.Length);
            var end = bytes.IndexOf("\r\n\r\n"u8);
            if (end >= 0) return (Encoding.Latin1.GetString(bytes[..(end + 4)]), bytes[(end + 4)..].ToArray());
            if (received.Length > 65536) throw new IOException("response head too long");
        }
    }

    /// <summary>Checks every body byte against the origin's pattern up to the close; returns how many there were.</summary>
    private static async Task<long> VerifyToEndAsync(Stream stream, byte[] first, CancellationToken cancellationToken)
    {
        CheckPattern(first, 0);
        long offset = first.Length;
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            CheckPattern(buffer.AsSpan(0, read), offset);
            offset += read;
        }
        return offset;
    }

    public void Dispose() => _http.Dispose();
}
