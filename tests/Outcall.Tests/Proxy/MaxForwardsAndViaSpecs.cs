using System.Net.Sockets;

namespace Outcall.Tests.Proxy;

/// <summary>
/// Issue 12, end to end: Max-Forwards on TRACE and OPTIONS (RFC 9110 §7.6.2) is judged by the rules
/// like any request; at 0 the proxy answers itself, otherwise it forwards the value decremented. Via
/// (RFC 9110 §7.6.3) names the proxy by its pseudonym on requests and responses.
/// </summary>
public sealed class MaxForwardsAndViaSpecs() : ProxiedUpstreamSpecs(Rules)
{
    private const string Rules = """
        version: "1"
        rules:
          - id: no-trace-here
            condition: http.method == "TRACE" && http.path.startsWith("/blocked")
            action: block
            priority: 10
          - id: allow-all
            condition: "true"
            action: allow
            egress:
              allow_private_ips: true
        """;

    private string Request(string method, string path, params string[] fields) =>
        $"{method} http://{Upstream.Authority}{path} HTTP/1.1\r\nHost: {Upstream.Authority}\r\n" + string.Concat(fields.Select(f => f + "\r\n")) +
        "Connection: close\r\n\r\n";

    /// <summary>An origin that records the head it got and answers 200, with a Via of its own.</summary>
    private static RawUpstream Origin(TaskCompletionSource<string> recorded) => new(async (socket, _) =>
    {
        var (head, _) = await RawIo.ReadHeadAsync(socket, TimeSpan.FromSeconds(10));
        recorded.TrySetResult(head);
        await socket.SendAsync("HTTP/1.1 200 OK\r\nVia: 1.1 origin-cache\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"u8.ToArray(), SocketFlags.None);
    });

    [Fact]
    public async Task A_TRACE_with_Max_Forwards_0_is_echoed_by_the_proxy_without_credentials()
    {
        var response = await Proxy.SendRawAsync(Request("TRACE", "/t?x=1", "Max-Forwards: 0", "Authorization: Bearer secret-token",
            "Cookie: session=secret-cookie", "X-Trace: 1"));
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", response);
        Assert.Contains("Content-Type: message/http\r\n", response);
        Assert.Contains($"\r\n\r\nTRACE http://{Upstream.Authority}/t?x=1 HTTP/1.1\r\nHost: {Upstream.Authority}\r\nMax-Forwards: 0\r\nX-Trace: 1\r\n", response);
        Assert.DoesNotContain("secret", response);
        Assert.Equal(0, Upstream.Connections);
    }

    [Fact]
    public async Task An_OPTIONS_with_Max_Forwards_0_is_answered_by_the_proxy_with_Allow()
    {
        var response = await Proxy.SendRawAsync(Request("OPTIONS", "/o", "Max-Forwards: 0"));
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", response);
        Assert.Contains("\r\nAllow: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, TRACE, CONNECT\r\n", response);
        Assert.Equal(0, Upstream.Connections);
    }

    [Fact]
    public async Task A_TRACE_at_Max_Forwards_0_is_still_judged_by_the_rules()
    {
        var response = await Proxy.SendRawAsync(Request("TRACE", "/blocked", "Max-Forwards: 0"));
        Assert.StartsWith("HTTP/1.1 403", response);
        Assert.Contains("rule no-trace-here", response);
    }

    [Fact]
    public async Task A_keep_alive_client_can_send_another_request_after_a_local_OPTIONS_answer()
    {
        using var socket = await Proxy.ConnectRawAsync();
        await socket.SendAsync(System.Text.Encoding.ASCII.GetBytes(
            $"OPTIONS http://{Upstream.Authority}/o HTTP/1.1\r\nHost: {Upstream.Authority}\r\nMax-Forwards: 0\r\n\r\n" +
            $"GET http://{Upstream.Authority}/echo/next HTTP/1.1\r\nHost: {Upstream.Authority}\r\nConnection: close\r\n\r\n"), SocketFlags.None);
        var both = await RawIo.ReadUntilCloseAsync(socket, TimeSpan.FromSeconds(10));
        Assert.StartsWith("HTTP/1.1 200 OK\r\nAllow:", both);
        Assert.Contains("GET /echo/next\n", both);
    }

    [Theory]
    [InlineData("TRACE", "5", "4")]
    [InlineData("OPTIONS", "1", "0")]
    public async Task A_TRACE_or_OPTIONS_with_hops_left_is_forwarded_with_Max_Forwards_decremented(string method, string received, string forwarded)
    {
        var recorded = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var origin = Origin(recorded);
        var authority = $"127.0.0.1:{origin.Port}";
        var response = await Proxy.SendRawAsync($"{method} http://{authority}/m HTTP/1.1\r\nHost: {authority}\r\nMax-Forwards: {received}\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", response);
        var head = await recorded.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains($"\r\nMax-Forwards: {forwarded}\r\n", head);
        Assert.DoesNotContain($"Max-Forwards: {received}\r\n", head);
    }

    [Fact]
    public async Task Via_names_the_proxy_on_the_request_and_is_appended_to_the_response_Via()
    {
        var recorded = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var origin = Origin(recorded);
        var authority = $"127.0.0.1:{origin.Port}";
        var response = await Proxy.SendRawAsync($"GET http://{authority}/v HTTP/1.1\r\nHost: {authority}\r\nVia: 1.0 agent-side\r\nConnection: close\r\n\r\n");
        Assert.Contains("\r\nVia: 1.1 origin-cache, 1.1 outcall\r\n", response);
        Assert.Contains("\r\nVia: 1.0 agent-side, 1.1 outcall\r\n", await recorded.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Via_reaches_a_real_origin_as_one_pseudonym_without_the_host_name()
    {
        var response = await Proxy.SendRawAsync(Request("GET", "/echo/via"));
        Assert.Contains("via: 1.1 outcall\n", response);
        Assert.Contains("\r\nVia: 1.1 outcall\r\n", response);
        Assert.DoesNotContain(Environment.MachineName, response.Split("\r\n\r\n")[0]);
    }
}

/// <summary><c>outcall.proxy.via = off</c>: no Via is added either way, and one a peer sent passes as it was.</summary>
public sealed class ViaOffSpecs() : ProxiedUpstreamSpecs(extraHocon: "outcall.proxy.via = off")
{
    [Fact]
    public async Task With_via_off_neither_the_request_nor_the_response_carries_ours()
    {
        var response = await Proxy.SendRawAsync(
            $"GET http://{Upstream.Authority}/echo/via HTTP/1.1\r\nHost: {Upstream.Authority}\r\nVia: 1.0 agent-side\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", response);
        Assert.Contains("via: 1.0 agent-side\n", response);
        Assert.DoesNotContain("outcall", response.Split("\r\n\r\n")[1]);
        Assert.DoesNotContain("Via:", response.Split("\r\n\r\n")[0]);
    }
}

/// <summary>The <c>outcall.proxy.via</c> key: on by default (RFC 9110 §7.6.3 makes Via a MUST for proxies).</summary>
public sealed class ViaSettingSpecs
{
    [Fact]
    public void Via_is_on_by_default() =>
        Assert.True(Outcall.Proxy.ProxySettings.Create(Akka.Configuration.ConfigurationFactory.Empty).Via);

    [Fact]
    public void Via_off_is_read_from_the_proxy_section() =>
        Assert.False(Outcall.Proxy.ProxySettings.Create(Akka.Configuration.ConfigurationFactory.ParseString("outcall.proxy.via = off")).Via);
}
