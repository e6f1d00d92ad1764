using System.Net;
using System.Net.Sockets;
using Outcall.Tests.Telemetry;

namespace Outcall.Tests.Proxy;

/// <summary>The actors record what the admin API's /metrics reports.</summary>
public sealed class MetricsWiringSpecs() : ProxiedUpstreamSpecs(Rules, ProxyHarness.WithAdmin)
{
    private const string Rules = """
        version: "1"
        rules:
          - id: block-secret
            condition: http.path == "/echo/secret"
            action: block
          - id: allow-loopback
            condition: network.hostname == "127.0.0.1"
            action: allow
            egress:
              allow_private_ips: true
        """;

    /// <summary>The node's own /metrics, read with a Prometheus parser.</summary>
    private async Task<IReadOnlyDictionary<string, PrometheusFamily>> ScrapeAsync()
    {
        using var admin = new HttpClient { BaseAddress = Proxy.AdminUri };
        return PrometheusExposition.Parse(await admin.GetStringAsync("/metrics"));
    }

    /// <summary>The one sample of that name and labels; NaN when there is none (yet).</summary>
    private static double Value(IReadOnlyDictionary<string, PrometheusFamily> families, string sample, params (string Name, string Value)[] labels) =>
        families.Values.SelectMany(f => f.Samples).SingleOrDefault(s => s.Name == sample && s.Labels.Count == labels.Length
            && labels.All(l => s.Labels.TryGetValue(l.Name, out var v) && v == l.Value))?.Value ?? double.NaN;

    [Fact]
    public async Task Allowed_and_blocked_requests_are_counted_by_kind_verdict_and_reason()
    {
        using var client = Proxy.CreateClient();
        await client.GetStringAsync($"http://{Upstream.Authority}/echo/ok");
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync($"http://{Upstream.Authority}/echo/secret")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync($"http://other.test:{Upstream.Port}/")).StatusCode);
        var metrics = Proxy.Node.Metrics;
        Assert.Equal(3, metrics.TotalRequests);
        Assert.Equal(2, metrics.TotalBlocked);
        var families = await ScrapeAsync();
        Assert.Equal(1, Value(families, "outcall_requests_total", ("kind", "http"), ("verdict", "allow")));
        Assert.Equal(1, Value(families, "outcall_blocks_total", ("reason", "rule")));
        Assert.Equal(1, Value(families, "outcall_blocks_total", ("reason", "default_policy")));
    }

    [Fact]
    public async Task Bytes_and_evaluation_latency_are_recorded()
    {
        using var client = Proxy.CreateClient();
        await client.GetByteArrayAsync($"http://{Upstream.Authority}/bytes?n=1000");
        await Eventually.TrueAsync(async () => Value(await ScrapeAsync(), "outcall_bytes_total", ("direction", "down")) == 1000, "1000 bytes down");
        Assert.Equal(1, Value(await ScrapeAsync(), "outcall_rule_evaluation_seconds_count"));
    }

    [Fact]
    public async Task A_refused_upstream_is_counted_as_an_upstream_error()
    {
        var port = UpstreamFailureSpecs.ClosedPort();
        await Proxy.SendRawAsync($"GET http://127.0.0.1:{port}/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n");
        Assert.Equal(1, Value(await ScrapeAsync(), "outcall_upstream_errors_total", ("kind", "refused")));
        Assert.Equal(0, Proxy.Node.Metrics.ActiveTunnels);
    }

    [Fact]
    public async Task An_upstream_that_closes_before_answering_is_counted_as_closed()
    {
        await using var upstream = new RawUpstream(async (socket, _) =>
        {
            await socket.ReceiveAsync(new byte[4096], SocketFlags.None);
            socket.Shutdown(SocketShutdown.Send);
        });
        var response = await Proxy.SendRawAsync($"GET http://127.0.0.1:{upstream.Port}/ HTTP/1.1\r\nHost: 127.0.0.1:{upstream.Port}\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 502", response);
        await Eventually.TrueAsync(async () => Value(await ScrapeAsync(), "outcall_upstream_errors_total", ("kind", "closed")) == 1,
            "the closed upstream to be counted");
        Assert.Equal(0, Value(await ScrapeAsync(), "outcall_upstream_errors_total", ("kind", "protocol")));
    }

    [Fact]
    public async Task A_client_whose_request_body_is_broken_is_no_upstream_error()
    {
        await using var upstream = new RawUpstream(async (socket, self) => await self.ReadToEndAsync(socket));
        var response = await Proxy.SendRawAsync(
            $"POST http://127.0.0.1:{upstream.Port}/ HTTP/1.1\r\nHost: 127.0.0.1:{upstream.Port}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
        Assert.StartsWith("HTTP/1.1 400", response);
        var families = await ScrapeAsync();
        foreach (var kind in new[] { "refused", "timeout", "dns", "protocol", "closed" })
            Assert.Equal(0, Value(families, "outcall_upstream_errors_total", ("kind", kind)));
    }
}
