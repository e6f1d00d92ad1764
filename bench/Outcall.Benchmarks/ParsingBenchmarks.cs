using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using BenchmarkDotNet.Attributes;
using Outcall.Http;
using Outcall.Tls;

namespace Outcall.Benchmarks;

/// <summary>
/// The per-request parsing work on the proxy's hot path: a request head (absolute-form GET with
/// browser-like headers, and a CONNECT), a chunked body decoded in place, and a real TLS ClientHello
/// (captured from SslStream) read for its SNI.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class ParsingBenchmarks
{
    private const int MaxHeaderBytes = 8192;

    private readonly byte[] _getHead = Encoding.ASCII.GetBytes(
        "GET http://api.example.com/v1/items?page=2&limit=50 HTTP/1.1\r\n" +
        "Host: api.example.com\r\n" +
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n" +
        "Accept: application/json, text/plain, */*\r\n" +
        "Accept-Language: en-US,en;q=0.5\r\n" +
        "Accept-Encoding: gzip, deflate, br\r\n" +
        "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZ2VudCJ9.c2lnbmF0dXJl\r\n" +
        "Connection: keep-alive\r\n" +
        "Cache-Control: no-cache\r\n" +
        "X-Request-Id: 6f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b\r\n\r\n");

    private readonly byte[] _connectHead = Encoding.ASCII.GetBytes(
        "CONNECT registry.npmjs.org:443 HTTP/1.1\r\nHost: registry.npmjs.org:443\r\nUser-Agent: npm/10.8.1 node/v22.4.0\r\n\r\n");

    private byte[] _slowHead = [];
    private byte[] _chunkedBody = [];
    private byte[] _clientHello = [];

    [GlobalSetup]
    public void Prepare()
    {
        var body = new StringBuilder();
        var chunk = new string('x', 4096);
        for (var i = 0; i < 16; i++) body.Append("1000\r\n").Append(chunk).Append("\r\n");
        body.Append("0\r\n\r\n");
        _chunkedBody = Encoding.ASCII.GetBytes(body.ToString());
        _clientHello = CaptureClientHello("api.example.com");
        _slowHead = EightKibHead();
    }

    /// <summary>An 8 KiB head (the default max-header-bytes) of 64 fields, as a slow client's reads deliver it.</summary>
    private static byte[] EightKibHead()
    {
        var text = new StringBuilder("GET http://api.example.com/v1/items HTTP/1.1\r\nHost: api.example.com\r\n");
        for (var i = 0; text.Length < MaxHeaderBytes - 200; i++) text.Append($"X-Field-{i:D2}: ").Append('v', 100).Append("\r\n");
        text.Append("X-Pad: ").Append('p', MaxHeaderBytes - text.Length - 7 - 4).Append("\r\n\r\n");
        return Encoding.ASCII.GetBytes(text.ToString());
    }

    /// <summary>
    /// Issue 12: the parser's CPU for a head sent one byte at a time, one parse call per byte received
    /// (what the connection does for a client that writes byte by byte), resuming one scan as the
    /// connection does. Before the scan state this was 34.6 ms and 4.7 MB per head (a rescan from byte 0 per read).
    /// </summary>
    [Benchmark]
    public RequestHead? ParseHeadSentOneByteAtATime()
    {
        HeadParseResult<RequestHead> result = default;
        var scan = new RequestHeadScan();
        for (var delivered = 1; delivered <= _slowHead.Length; delivered++)
            result = RequestHeadParser.Parse(_slowHead.AsSpan(0, delivered), MaxHeaderBytes, scan);
        return result.Head ?? throw new InvalidOperationException($"the head did not parse: {result.Reason}");
    }

    [Benchmark]
    public RequestHead? ParseGetHead() => RequestHeadParser.Parse(_getHead, MaxHeaderBytes).Head;

    [Benchmark]
    public RequestHead? ParseConnectHead() => RequestHeadParser.Parse(_connectHead, MaxHeaderBytes).Head;

    /// <summary>64 KiB of data in 16 chunks of 4 KiB, decoded from one buffer.</summary>
    [Benchmark]
    public int DecodeChunked64K()
    {
        var decoder = new ChunkedDecoder();
        var input = _chunkedBody.AsSpan();
        var data = 0;
        while (true)
        {
            var status = decoder.Decode(input, out var consumed, out _, out var length);
            input = input[consumed..];
            if (status == ChunkedStatus.Data) data += length;
            else if (status == ChunkedStatus.Completed) return data;
            else throw new InvalidOperationException($"decoder stopped with {status}");
        }
    }

    [Benchmark]
    public string? ReadClientHello() => ClientHelloReader.TryRead(_clientHello, 16384).ServerName;

    /// <summary>The first flight a real SslStream client sends for the host, read by a loopback listener.</summary>
    private static byte[] CaptureClientHello(string host)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new TcpClient();
        client.Connect(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        using var server = listener.AcceptSocket();
        using var tls = new SslStream(client.GetStream());
        var handshake = tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = host,
            RemoteCertificateValidationCallback = (_, _, _, _) => false,
        });
        var buffer = new byte[16384];
        var length = 0;
        while (ClientHelloReader.TryRead(buffer.AsSpan(0, length), buffer.Length).Status == ClientHelloStatus.NeedMoreData)
        {
            var read = server.Receive(buffer, length, buffer.Length - length, SocketFlags.None);
            if (read == 0) throw new IOException("client closed before its hello");
            length += read;
        }
        server.Close();
        try
        {
            handshake.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The handshake fails by design: only the hello was wanted.
        }
        return buffer[..length];
    }
}
