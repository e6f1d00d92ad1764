using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Outcall.Tests.SuiteLogs;

namespace Outcall.Tests.Proxy;

/// <summary>
/// Issue 12, end to end against real loopback upstreams: a request real clients send is judged and
/// forwarded in one canonical form: dot segments removed (apt's flat repositories), characters RFC 3986
/// does not allow percent-encoded, host names lowercase without a root dot, ws:// as http://, and an
/// h2c upgrade (curl --http2) dropped so the exchange stays HTTP/1.1 (EC-011).
/// </summary>
public sealed class ProxyNormalizationSpecs() : ProxiedUpstreamSpecs(Rules)
{
    private const string Rules = """
        version: "1"
        rules:
          - id: block-secret
            condition: http.path.startsWith("/echo/secret")
            action: block
            priority: 10
          - id: allow-localhost
            condition: network.hostname in ["localhost", "127.0.0.1"]
            action: allow
            egress:
              allow_private_ips: true
        """;

    protected override StaticResolver CreateResolver() => new StaticResolver().Map("localhost", IPAddress.Loopback);

    private Task<string> GetAsync(string target, string host) =>
        Proxy.SendRawAsync($"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");

    [Fact]
    public async Task An_apt_flat_repository_path_with_a_dot_segment_is_forwarded_without_it()
    {
        var response = await GetAsync($"http://{Upstream.Authority}/echo/repo/./Packages", Upstream.Authority);
        Assert.StartsWith("HTTP/1.1 200", response);
        Assert.Contains("GET /echo/repo/Packages\n", response);
    }

    [Theory]
    [InlineData("/echo/public/../secret/x")]
    [InlineData("/echo/public/%2e%2e/secret/x")]
    [InlineData("/echo/public/.%2E/secret/x")]
    [InlineData("/echo/./secret/x")]
    public async Task A_path_that_resolves_into_a_blocked_one_is_judged_as_the_blocked_path(string path)
    {
        var response = await GetAsync($"http://{Upstream.Authority}{path}", Upstream.Authority);
        Assert.StartsWith("HTTP/1.1 403", response);
        Assert.Contains("rule block-secret", response);
        Assert.Equal(0, Upstream.Connections);
    }

    [Fact]
    public async Task A_dot_dot_segment_above_the_root_is_refused_before_any_connection()
    {
        var response = await GetAsync($"http://{Upstream.Authority}/../echo/x", Upstream.Authority);
        Assert.StartsWith("HTTP/1.1 400", response);
        Assert.Equal(0, Upstream.Connections);
    }

    [Fact]
    public async Task Characters_RFC_3986_does_not_allow_reach_the_origin_percent_encoded()
    {
        var recorded = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var origin = new RawUpstream(async (socket, _) =>
        {
            var (head, _) = await RawIo.ReadHeadAsync(socket, TimeSpan.FromSeconds(10));
            recorded.TrySetResult(head);
            await socket.SendAsync("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"u8.ToArray(), SocketFlags.None);
        });
        var authority = $"127.0.0.1:{origin.Port}";
        var response = await GetAsync($"http://{authority}/a{{b}}|c^d`e?q=\"x\"<y>[z]", authority);
        Assert.StartsWith("HTTP/1.1 204", response);
        var requestLine = (await recorded.Task.WaitAsync(TimeSpan.FromSeconds(10))).Split("\r\n")[0];
        Assert.Equal("GET /a%7Bb%7D%7Cc%5Ed%60e?q=%22x%22%3Cy%3E%5Bz%5D HTTP/1.1", requestLine);
    }

    [Theory]
    [InlineData("localhost.", "localhost.")]
    [InlineData("LocalHost.", "localhost")]
    [InlineData("localhost", "localhost.")]
    public async Task A_host_with_a_root_dot_is_judged_and_dialled_as_its_canonical_name(string targetHost, string hostField)
    {
        var response = await GetAsync($"http://{targetHost}:{Upstream.Port}/echo/dot", $"{hostField}:{Upstream.Port}");
        Assert.StartsWith("HTTP/1.1 200", response);
        Assert.Contains($"host: localhost:{Upstream.Port}\n", response);
    }

    [Fact]
    public async Task A_ws_URI_in_absolute_form_is_upgraded_like_http_as_aiohttp_sends_it()
    {
        using var socket = await Proxy.ConnectRawAsync();
        await socket.SendAsync(Encoding.ASCII.GetBytes(
            $"GET ws://{Upstream.Authority}/ws HTTP/1.1\r\nHost: {Upstream.Authority}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"), SocketFlags.None);
        var (head, _) = await RawIo.ReadHeadAsync(socket, TimeSpan.FromSeconds(10));
        Assert.StartsWith("HTTP/1.1 101", head);
        using var websocket = WebSocket.CreateFromStream(new NetworkStream(socket), isServer: false, subProtocol: null, TimeSpan.Zero);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await websocket.SendAsync("over ws://"u8.ToArray(), WebSocketMessageType.Text, true, deadline.Token);
        var buffer = new byte[64];
        var received = await websocket.ReceiveAsync(buffer, deadline.Token);
        Assert.Equal("over ws://", Encoding.ASCII.GetString(buffer, 0, received.Count));
    }

    [Fact]
    public async Task A_wss_URI_in_absolute_form_gets_a_400_that_says_to_use_CONNECT()
    {
        var response = await GetAsync($"wss://{Upstream.Authority}/ws", Upstream.Authority);
        Assert.StartsWith("HTTP/1.1 400", response);
        Assert.Contains("use CONNECT", response);
        Assert.Equal(0, Upstream.Connections);
    }

    [Fact]
    public async Task A_request_with_an_unknown_transfer_coding_gets_501_and_never_reaches_the_origin()
    {
        var response = await Proxy.SendRawAsync($"POST http://{Upstream.Authority}/echo/te HTTP/1.1\r\nHost: {Upstream.Authority}\r\n" +
                                                "Transfer-Encoding: identity, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 501 Not Implemented\r\n", response);
        Assert.Equal(0, Upstream.Connections);
    }

    [Fact]
    public async Task An_h2c_upgrade_sent_one_byte_at_a_time_is_dropped_and_answered_in_HTTP_1_1_EC011()
    {
        using var socket = await Proxy.ConnectRawAsync();
        var request = Encoding.ASCII.GetBytes($"GET http://{Upstream.Authority}/echo/h2c HTTP/1.1\r\nHost: {Upstream.Authority}\r\n" +
                                              "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n");
        foreach (var b in request) await socket.SendAsync(new[] { b }, SocketFlags.None);
        var (head, _) = await RawIo.ReadHeadAsync(socket, TimeSpan.FromSeconds(10));
        Assert.StartsWith("HTTP/1.1 200", head);
        Assert.DoesNotContain("Upgrade", head);
    }

    [Fact]
    public async Task Curl_with_http2_on_an_http_URI_gets_its_answer_in_HTTP_1_1_EC011()
    {
        var (exitCode, output, trace) = await CurlAsync("--http2", "-sS", "-v", "-x", Proxy.ProxyUri.ToString(), $"http://{Upstream.Authority}/echo/curl");
        Assert.True(exitCode == 0, $"curl failed ({exitCode}): {trace}");
        Assert.StartsWith("GET /echo/curl\n", output);
        Assert.DoesNotContain("upgrade", output, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("http2-settings", output, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("< HTTP/1.1 200", trace);
        Assert.Contains("Upgrade: h2c", trace);
    }

    /// <summary>Runs the real curl binary (CI installs it) with a bounded wait; no proxy from the environment.</summary>
    internal static async Task<(int ExitCode, string Output, string Trace)> CurlAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("curl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // -q first: no .curlrc of the machine running the tests.
        start.ArgumentList.Add("-q");
        start.ArgumentList.Add("--max-time");
        start.ArgumentList.Add("20");
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var name in new[] { "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY" })
            start.Environment.Remove(name);
        using var curl = Process.Start(start)!;
        var output = SuiteLog.ReadToEndAsync(curl.StandardOutput, "curl");
        var trace = SuiteLog.ReadToEndAsync(curl.StandardError, "curl");
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await curl.WaitForExitAsync(deadline.Token);
        return (curl.ExitCode, await output, await trace);
    }
}
