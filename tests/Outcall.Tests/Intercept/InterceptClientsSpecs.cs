using System.Net;
using System.Net.Security;
using System.Net.WebSockets;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Http;
using Outcall.Intercept;
using Outcall.Tests.Proxy;
using Outcall.Tests.RealClients;

namespace Outcall.Tests.Intercept;

/// <summary>
/// Issue 14 (S011-EC-007 for the WebSocket): real clients inside an intercepted tunnel on loopback — git (clone yes, push no),
/// a chunked upload and a 100 MB download byte for byte, and a WebSocket. The node's CA is made in the test; each
/// origin is trusted by the proxy through `upstream-trust` and reachable only by the name the proxy's resolver knows.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class InterceptClientsSpecs : IDisposable
{
    private readonly CaDirectory _ca = new CaDirectory().WithNewCa();
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("outcall-icpt-clients-");

    public void Dispose()
    {
        _work.Delete(recursive: true);
        _ca.Dispose();
    }

    // http.scheme is "" at the CONNECT, so the block can only match the decrypted push inside the tunnel.
    private const string GitCloneButNoPush = """
        version: "1"
        rules:
          - id: git-no-push
            priority: 10
            condition: http.scheme == "https" && http.path.endsWith("/git-receive-pack")
            action: block
          - id: git
            condition: network.hostname == "git.test"
            action: allow
            egress:
              mode: intercept
              allow_private_ips: true
        """;

    private X509Certificate2 NodeCa() => CaFiles.ParseCertificate(_ca.CertificatePath);

    [Fact]
    public async Task Git_clones_through_an_intercepted_tunnel_and_a_rule_on_git_receive_pack_refuses_the_push()
    {
        await using var server = await GitHttpServer.StartAsync(https: true);
        await using var proxy = await InterceptingNode.StartAsync(_ca, GitCloneButNoPush, GitHttpServer.HostName, server.CertificatePemPath!);
        var clone = Path.Combine(_work.FullName, "clone");

        var (cloneExit, cloneOutput) = await GitAsync(proxy, _work.FullName, "clone", server.RepositoryUrl, clone);
        Assert.True(cloneExit == 0, cloneOutput);
        Assert.Equal("hello\n", await File.ReadAllTextAsync(Path.Combine(clone, "README")));
        await File.WriteAllTextAsync(Path.Combine(clone, "refused.txt"), "refused");
        await Git.RunCheckedAsync(clone, "add", ".");
        await Git.RunCheckedAsync(clone, "commit", "-m", "refused");
        var (pushExit, pushOutput) = await GitAsync(proxy, clone, "push", "origin", "main");

        Assert.NotEqual(0, pushExit);
        Assert.Contains("403", pushOutput);
        Assert.Equal("first", await server.HeadSubjectAsync());
        // Judged inside the tunnel: the node intercepted, and the refusal names the rule.
        await proxy.Log.WaitForLineAsync(line => line.Contains("git-no-push", StringComparison.Ordinal));
    }

    private const long UploadBytes = 8L * 1024 * 1024;
    private const long DownloadBytes = 100L * 1000 * 1000;

    [Fact]
    public async Task A_chunked_upload_of_unknown_length_and_a_100_MB_download_cross_an_intercepted_tunnel_byte_for_byte()
    {
        await using var origin = await RecordingOrigin.StartTlsAsync(ServeTransfersAsync);
        await using var proxy = await InterceptingNode.StartAsync(_ca, InterceptingNode.InterceptOriginTest, "origin.test", origin.CaPemPath);
        using var client = InterceptingNode.ClientTrusting(proxy, NodeCa(), TimeSpan.FromMinutes(3));
        var baseUri = $"https://origin.test:{origin.Port}";

        var upload = new PseudoRandomContent(seed: 1, UploadBytes);
        using var uploaded = await client.PostAsync($"{baseUri}/upload", upload);
        Assert.Equal(HttpStatusCode.OK, uploaded.StatusCode);
        Assert.Null(uploaded.RequestMessage!.Content!.Headers.ContentLength);
        // The origin read the body chunked, as the client sent it.
        Assert.Equal($"{UploadBytes} {upload.Sha256Hex} chunked", await uploaded.Content.ReadAsStringAsync());

        using var downloaded = await client.GetAsync($"{baseUri}/download", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, downloaded.StatusCode);
        await using var body = await downloaded.Content.ReadAsStreamAsync();
        var (count, hash) = await HashAsync(body);
        Assert.Equal(DownloadBytes, count);
        Assert.Equal(PseudoRandomContent.ExpectedSha256Hex(seed: 2, DownloadBytes), hash);
        Assert.Contains(proxy.Log.Lines(), line => line.Contains("Intercepting", StringComparison.Ordinal));
    }

    /// <summary>/upload answers "&lt;bytes&gt; &lt;sha-256&gt; &lt;transfer-encoding&gt;" of the body it read; /download streams the seed-2 bytes.</summary>
    private static async Task ServeTransfersAsync(HttpContext context)
    {
        if (context.Request.Path == "/upload")
        {
            var (count, hash) = await HashAsync(context.Request.Body);
            await context.Response.WriteAsync($"{count} {hash} {context.Request.Headers.TransferEncoding}");
            return;
        }
        context.Response.ContentLength = DownloadBytes;
        var generator = new PseudoRandomBytes(seed: 2);
        var buffer = new byte[64 * 1024];
        for (long left = DownloadBytes; left > 0; left -= buffer.Length)
        {
            var chunk = buffer.AsMemory(0, (int)Math.Min(buffer.Length, left));
            generator.Fill(chunk.Span);
            await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
        }
    }

    private static async Task<(long Count, string Sha256Hex)> HashAsync(Stream stream)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[64 * 1024];
        long count = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            count += read;
        }
        return (count, Convert.ToHexString(hash.GetHashAndReset()));
    }

    [Fact]
    public async Task A_WebSocket_inside_an_intercepted_tunnel_echoes_text_and_binary_messages()
    {
        await using var origin = await RecordingOrigin.StartTlsAsync(EchoWebSocketAsync);
        await using var proxy = await InterceptingNode.StartAsync(_ca, InterceptingNode.InterceptOriginTest, "origin.test", origin.CaPemPath);
        var root = NodeCa();
        var issuers = new List<string>();
        using var socket = new ClientWebSocket();
        socket.Options.Proxy = new WebProxy(proxy.ProxyUri);
        socket.Options.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            using var shown = new X509Certificate2(certificate!);
            lock (issuers) issuers.Add(shown.Issuer);
            return TrustOnly.Chains(root, shown);
        };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        await socket.ConnectAsync(new Uri($"wss://origin.test:{origin.Port}/echo"), timeout.Token);
        var text = await RoundTripAsync(socket, Encoding.UTF8.GetBytes("hello through the tunnel"), WebSocketMessageType.Text, timeout.Token);
        var binary = RandomNumberGenerator.GetBytes(200_000);
        var echoed = await RoundTripAsync(socket, binary, WebSocketMessageType.Binary, timeout.Token);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);

        Assert.Equal("hello through the tunnel", Encoding.UTF8.GetString(text));
        Assert.Equal(binary, echoed);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
        // The client was shown the node's leaf, so the upgrade crossed the decrypted, judged path.
        Assert.Equal(root.Subject, Assert.Single(issuers));
        Assert.Equal(["/echo"], origin.Requests.Select(r => r.Path));
    }

    private static async Task<byte[]> RoundTripAsync(ClientWebSocket socket, byte[] message, WebSocketMessageType type, CancellationToken cancel)
    {
        await socket.SendAsync(message, type, endOfMessage: true, cancel);
        using var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer, cancel);
            Assert.Equal(type, result.MessageType);
            received.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);
        return received.ToArray();
    }

    private static async Task EchoWebSocketAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 400;
            return;
        }
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, context.RequestAborted);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, result.CloseStatusDescription, context.RequestAborted);
                return;
            }
            await socket.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, context.RequestAborted);
        }
    }

    /// <summary>git trusting only the node's CA (GIT_SSL_CAINFO, the variable form of http.sslCAInfo), proxied by http.proxy.</summary>
    private Task<(int Exit, string Output)> GitAsync(ProxyHarness proxy, string directory, params string[] args) =>
        Git.RunAsync(directory, new Dictionary<string, string> { ["GIT_SSL_CAINFO"] = _ca.CertificatePath },
            ["-c", $"http.proxy=http://{proxy.Endpoint}", .. args]);
}

/// <summary>A deterministic byte stream (xorshift64*), so both ends can make or check it without holding it.</summary>
internal sealed class PseudoRandomBytes(ulong seed)
{
    private ulong _state = seed * 0x9E3779B97F4A7C15UL | 1;

    public void Fill(Span<byte> destination)
    {
        for (var i = 0; i < destination.Length; i++)
        {
            _state ^= _state >> 12;
            _state ^= _state << 25;
            _state ^= _state >> 27;
            destination[i] = (byte)((_state * 0x2545F4914F6CDD1DUL) >> 56);
        }
    }
}

/// <summary>A request body of <c>length</c> pseudo-random bytes with no Content-Length (so it goes chunked), hashed as it is sent.</summary>
internal sealed class PseudoRandomContent(ulong seed, long length) : HttpContent
{
    public string Sha256Hex { get; private set; } = "";

    public static string ExpectedSha256Hex(ulong seed, long length)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var generator = new PseudoRandomBytes(seed);
        var buffer = new byte[64 * 1024];
        for (var left = length; left > 0; left -= buffer.Length)
        {
            var chunk = buffer.AsSpan(0, (int)Math.Min(buffer.Length, left));
            generator.Fill(chunk);
            hash.AppendData(chunk);
        }
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var generator = new PseudoRandomBytes(seed);
        var buffer = new byte[64 * 1024];
        for (var left = length; left > 0; left -= buffer.Length)
        {
            var chunk = buffer.AsMemory(0, (int)Math.Min(buffer.Length, left));
            generator.Fill(chunk.Span);
            hash.AppendData(chunk.Span);
            await stream.WriteAsync(chunk);
        }
        Sha256Hex = Convert.ToHexString(hash.GetHashAndReset());
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
