using System.Net;
using System.Text.Json;
using Outcall.Tests.Proxy;

namespace Outcall.Tests.Admin;

/// <summary>Per-rule hit counts in `GET /api/v1/rules` (issue 15, S003-IF-002 rows): traffic counts, what-ifs do not, a reload keeps them.</summary>
public sealed class RuleHitsApiSpecs : IAsyncLifetime
{
    private const string Rules = """
        version: "1"
        rules:
          - id: allow-upstream
            condition: network.hostname == "allowed.test"
            action: allow
            egress:
              allow_private_ips: true
          - id: block-evil
            condition: network.hostname.endsWith(".evil.test")
            action: block
        """;

    private HttpUpstream _upstream = null!;
    private ProxyHarness _proxy = null!;
    private AdminHttp _admin = null!;

    public async Task InitializeAsync()
    {
        _upstream = await HttpUpstream.StartAsync();
        _proxy = await ProxyHarness.StartAsync(Rules, ProxyHarness.WithAdmin, new StaticResolver().Map("allowed.test", IPAddress.Loopback));
        _admin = new AdminHttp(_proxy.AdminUri);
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        await _proxy.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private async Task<JsonElement> RowAsync(string id)
    {
        var (status, body) = await _admin.GetJsonAsync("/api/v1/rules");
        Assert.Equal(HttpStatusCode.OK, status);
        return AdminHttp.Envelope(body, success: true).EnumerateArray().Single(r => r.GetProperty("id").GetString() == id);
    }

    [Fact]
    public async Task A_rule_row_counts_the_verdicts_its_rule_decided_with_the_last_in_ISO_8601()
    {
        using var client = _proxy.CreateClient();
        (await client.GetAsync($"http://allowed.test:{_upstream.Port}/a")).Dispose();
        (await client.GetAsync($"http://allowed.test:{_upstream.Port}/b")).Dispose();
        var row = await RowAsync("allow-upstream");
        Assert.Equal(2, row.GetProperty("hits").GetInt64());
        var lastHit = DateTimeOffset.Parse(row.GetProperty("last_hit").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(lastHit, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        var idle = await RowAsync("block-evil");
        Assert.Equal((0, JsonValueKind.Null), (idle.GetProperty("hits").GetInt64(), idle.GetProperty("last_hit").ValueKind));
    }

    [Fact]
    public async Task An_evaluate_what_if_is_not_a_hit()
    {
        var (status, _) = await _admin.PostJsonAsync("/api/v1/rule/evaluate", """{"context":{"network":{"hostname":"x.evil.test","port":443}}}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(0, (await RowAsync("block-evil")).GetProperty("hits").GetInt64());
    }

    [Fact]
    public async Task A_reload_keeps_the_count_of_a_rule_id_that_stays()
    {
        using var client = _proxy.CreateClient();
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("http://x.evil.test/")).StatusCode);
        await File.WriteAllTextAsync(Path.Combine(_proxy.RulesDir.FullName, "rules.yaml"), Rules.Replace("allow-upstream", "allow-renamed"));
        var (status, _) = await _admin.PostJsonAsync("/api/v1/rules/reload", "");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, (await RowAsync("block-evil")).GetProperty("hits").GetInt64());
        Assert.Equal(0, (await RowAsync("allow-renamed")).GetProperty("hits").GetInt64());
    }
}
