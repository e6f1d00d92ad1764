using System.Net;
using System.Text.Json;
using Outcall.Tests.Admin;
using Outcall.Tests.Proxy;

namespace Outcall.Tests.Events;

/// <summary>The verdict events through a real node (issue 15): recent, one with its explanation, filters, and no secrets.</summary>
public sealed class EventApiSpecs : IAsyncLifetime
{
    private const string Rules = """
        version: "1"
        rules:
          - id: allow-upstream
            condition: network.hostname == "allowed.test"
            action: allow
            priority: 10
            egress:
              allow_private_ips: true
          - id: allow-internal
            condition: network.hostname == "internal.test"
            action: allow
            priority: 20
          - id: block-evil
            condition: network.hostname.endsWith(".evil.test")
            action: block
            priority: 30
        """;

    private ProxyHarness _proxy = null!;
    private HttpUpstream _upstream = null!;
    private AdminHttp _admin = null!;

    public async Task InitializeAsync()
    {
        _upstream = await HttpUpstream.StartAsync();
        _proxy = await ProxyHarness.StartAsync(Rules, ProxyHarness.WithAdmin,
            new StaticResolver().Map("allowed.test", IPAddress.Loopback).Map("internal.test", IPAddress.Loopback));
        _admin = new AdminHttp(_proxy.AdminUri);
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        await _proxy.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private async Task<JsonElement[]> RecentAsync(string query = "")
    {
        var (status, body) = await _admin.GetJsonAsync($"/api/v1/events/recent{query}");
        Assert.Equal(HttpStatusCode.OK, status);
        return AdminHttp.Envelope(body, success: true).EnumerateArray().ToArray();
    }

    private async Task<JsonElement> EventForAsync(string host)
    {
        JsonElement[] found = [];
        await Eventually.TrueAsync(() => (found = RecentAsync($"?host={host}").GetAwaiter().GetResult()).Length > 0, $"an event for {host}");
        return found[^1];
    }

    [Fact]
    public async Task An_allowed_request_is_one_event_whose_outcome_has_status_and_bytes_and_no_query()
    {
        using var client = _proxy.CreateClient();
        using var response = await client.GetAsync($"http://allowed.test:{_upstream.Port}/hello?token=s3cret");
        JsonElement e = default;
        await Eventually.TrueAsync(() => (e = EventForAsync("allowed.test").GetAwaiter().GetResult()).GetProperty("outcome").ValueKind == JsonValueKind.Object,
            "the outcome");
        Assert.Equal(("ALLOW", "allow-upstream", "/hello"), (e.GetProperty("decision").GetString(), e.GetProperty("rule_id").GetString(), e.GetProperty("path").GetString()));
        Assert.Equal((int)response.StatusCode, e.GetProperty("outcome").GetProperty("status").GetInt32());
        Assert.True(e.GetProperty("outcome").GetProperty("bytes_down").GetInt64() > 0);
        Assert.DoesNotContain("s3cret", e.GetRawText());
    }

    [Fact]
    public async Task A_rule_block_is_explained_by_its_rule_and_the_rules_the_index_skipped()
    {
        using var client = _proxy.CreateClient();
        using var response = await client.GetAsync("http://x.evil.test/");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var e = await EventForAsync("x.evil.test");
        var (status, body) = await _admin.GetJsonAsync($"/api/v1/events/{e.GetProperty("id").GetInt64()}");
        Assert.Equal(HttpStatusCode.OK, status);
        var explanation = AdminHttp.Envelope(body, success: true).GetProperty("explanation");
        Assert.StartsWith("Blocked by rule block-evil (", explanation.GetProperty("summary").GetString());
        Assert.Equal([("allow-upstream", "skipped-by-index"), ("allow-internal", "skipped-by-index"), ("block-evil", "decided")],
            explanation.GetProperty("considered").EnumerateArray().Select(s => (s.GetProperty("rule_id").GetString(), s.GetProperty("outcome").GetString())));
    }

    [Fact]
    public async Task A_private_destination_refusal_is_explained_with_its_address_class()
    {
        using var client = _proxy.CreateClient();
        using var response = await client.GetAsync("http://internal.test/");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var e = await EventForAsync("internal.test");
        Assert.Equal(("BLOCK", "destination"), (e.GetProperty("decision").GetString(), e.GetProperty("cause").GetString()));
        var (_, body) = await _admin.GetJsonAsync($"/api/v1/events/{e.GetProperty("id").GetInt64()}");
        Assert.Equal("loopback", AdminHttp.Envelope(body, success: true).GetProperty("explanation").GetProperty("address_class").GetString());
    }

    [Fact]
    public async Task Recent_events_filter_by_decision_and_refuse_an_unknown_one()
    {
        using var client = _proxy.CreateClient();
        (await client.GetAsync("http://y.evil.test/")).Dispose();
        await EventForAsync("y.evil.test");
        Assert.All(await RecentAsync("?decision=block"), e => Assert.Equal("BLOCK", e.GetProperty("decision").GetString()));
        var (status, _) = await _admin.GetJsonAsync("/api/v1/events/recent?decision=maybe");
        Assert.Equal(HttpStatusCode.BadRequest, status);
    }

    [Fact]
    public async Task An_event_no_longer_held_is_a_404()
    {
        var (status, body) = await _admin.GetJsonAsync("/api/v1/events/999999");
        Assert.Equal(HttpStatusCode.NotFound, status);
        AdminHttp.Envelope(body, success: false);
    }

    [Fact]
    public async Task The_stream_sends_new_events_that_match_its_filter()
    {
        using var http = new HttpClient { BaseAddress = _proxy.AdminUri, Timeout = TimeSpan.FromSeconds(20) };
        using var stream = await http.GetAsync("/api/v1/events?decision=BLOCK", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", stream.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync());
        await Eventually.TrueAsync(() => _proxy.Node.Events.SubscriberCount > 0, "the subscription");
        using var client = _proxy.CreateClient();
        (await client.GetAsync($"http://allowed.test:{_upstream.Port}/first")).Dispose();
        (await client.GetAsync("http://z.evil.test/")).Dispose();
        string? line;
        do line = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));
        while (line is not null && !line.StartsWith("data: ", StringComparison.Ordinal));
        using var data = JsonDocument.Parse(line!["data: ".Length..]);
        Assert.Equal(("BLOCK", "z.evil.test"), (data.RootElement.GetProperty("decision").GetString(), data.RootElement.GetProperty("host").GetString()));
    }
}
