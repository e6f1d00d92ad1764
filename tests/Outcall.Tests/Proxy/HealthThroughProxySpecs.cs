namespace Outcall.Tests.Proxy;

/// <summary>
/// FR-022 / IF-006 through HTTP_PROXY: a client that sends every request to the proxy probes
/// `GET http://PROXY:PORT/outcall-health` in absolute form; the proxy answers it itself, exactly as the
/// origin form, whatever the rules say. Another host's /outcall-health is an ordinary request.
/// </summary>
public sealed class HealthThroughProxySpecs() : ProxiedUpstreamSpecs(Rules)
{
    // Loopback by address is allowed (the upstream; the proxy's own address is refused by the guard), "localhost" is not.
    private const string Rules = """
        version: "1"
        rules:
          - id: allow-the-upstream
            condition: network.hostname == "127.0.0.1"
            action: allow
            egress:
              allow_private_ips: true
        """;

    private string ProxyAuthority => Proxy.Endpoint.ToString();

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")]
    public async Task An_absolute_form_probe_of_the_proxys_own_address_is_answered_by_the_proxy_FR022(string host)
    {
        var authority = $"{host}:{Proxy.Endpoint.Port}";
        var response = await Proxy.SendRawAsync($"GET http://{authority}/outcall-health HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", response);
        Assert.Contains("Content-Type: application/json\r\n", response);
        Assert.Contains("\"status\":\"ok\"", response);
    }

    [Fact]
    public async Task The_absolute_form_probe_answers_exactly_what_the_origin_form_does()
    {
        var origin = await Proxy.SendRawAsync("GET /outcall-health HTTP/1.1\r\nHost: proxy\r\nConnection: close\r\n\r\n");
        var absolute = await Proxy.SendRawAsync($"GET http://{ProxyAuthority}/outcall-health HTTP/1.1\r\nHost: {ProxyAuthority}\r\nConnection: close\r\n\r\n");

        // The counters move between the two probes; the shape does not.
        static string Shape(string response) => System.Text.RegularExpressions.Regex.Replace(response, "[0-9]+", "N");
        Assert.Equal(Shape(origin), Shape(absolute));
    }

    [Fact]
    public async Task The_absolute_form_probe_keeps_the_connection_alive_like_the_origin_form()
    {
        using var socket = await Proxy.ConnectRawAsync();
        var probe = System.Text.Encoding.ASCII.GetBytes($"GET http://{ProxyAuthority}/outcall-health HTTP/1.1\r\nHost: {ProxyAuthority}\r\n\r\n");
        for (var i = 0; i < 2; i++)
        {
            await socket.SendAsync(probe, System.Net.Sockets.SocketFlags.None);
            var (head, body) = await RawIo.ReadHeadAsync(socket, TimeSpan.FromSeconds(10));
            Assert.StartsWith("HTTP/1.1 200 OK\r\n", head);
            Assert.DoesNotContain("Connection: close", head);
            // Read the rest of the body off before the next probe.
            var remaining = int.Parse(System.Text.RegularExpressions.Regex.Match(head, "Content-Length: ([0-9]+)").Groups[1].Value) - body.Length;
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (remaining > 0) remaining -= await socket.ReceiveAsync(new byte[remaining], System.Net.Sockets.SocketFlags.None, deadline.Token);
        }
    }

    [Fact]
    public async Task Another_path_on_the_proxys_own_address_is_still_refused_as_the_proxy_itself()
    {
        var response = await Proxy.SendRawAsync($"GET http://{ProxyAuthority}/outcall-health?x=1 HTTP/1.1\r\nHost: {ProxyAuthority}\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 403 ", response);
    }

    [Fact]
    public async Task Another_hosts_outcall_health_is_judged_and_forwarded_as_usual()
    {
        var response = await Proxy.SendRawAsync($"GET http://{Upstream.Authority}/outcall-health HTTP/1.1\r\nHost: {Upstream.Authority}\r\nConnection: close\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 200 ", response);
        Assert.Contains("GET /outcall-health\n", response);
        Assert.Equal(1, Upstream.Connections);
    }
}
