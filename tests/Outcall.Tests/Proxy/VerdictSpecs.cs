using System.Net;
using Akka.Actor;

namespace Outcall.Tests.Proxy;

/// <summary>Verdicts as the client sees them (FR-006, FR-008 / IF-004, EC-008, FR-026, SC-007).</summary>
public sealed class VerdictSpecs() : ProxiedUpstreamSpecs(Rules)
{
    private const string Rules = """
        version: "1"
        rules:
          - id: block-admin-path
            condition: http.path.startsWith("/echo/admin")
            action: block
            priority: 10
          - id: allow-loopback-upstream
            condition: network.hostname in ["127.0.0.1", "allowed.test", "private.test"]
            action: allow
            egress:
              allow_private_ips: true
          - id: allow-public-only
            condition: network.hostname == "rebind.test"
            action: allow
        """;

    protected override StaticResolver CreateResolver() => new StaticResolver()
        .Map("allowed.test", IPAddress.Loopback)
        .Map("rebind.test", IPAddress.Loopback);

    [Fact]
    public async Task A_request_no_rule_allows_gets_the_IF004_403_naming_the_default_policy()
    {
        var response = await Proxy.SendRawAsync($"GET http://denied.test:{Upstream.Port}/x HTTP/1.1\r\nHost: denied.test:{Upstream.Port}\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 403 Forbidden\r\n", response);
        Assert.Contains("Content-Type: text/plain\r\n", response);
        Assert.Contains("X-Outcall-Block-Reason: default policy", response);
        Assert.EndsWith("\r\n\r\nBlocked by outcall: default policy: no rule matched", response);
        Assert.Equal(0, Upstream.Connections);
    }

    [Fact]
    public async Task A_block_rule_is_named_in_the_reason_and_nothing_reaches_the_upstream_FR006()
    {
        using var client = Proxy.CreateClient();
        var response = await client.GetAsync($"http://allowed.test:{Upstream.Port}/echo/admin?token=secret");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("rule block-admin-path", response.Headers.GetValues("X-Outcall-Block-Reason").Single());
        Assert.Equal("Blocked by outcall: rule block-admin-path", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, Upstream.Connections);
    }

    [Fact]
    public async Task A_block_is_logged_at_warning_with_the_audit_fields_and_without_the_query_SC007()
    {
        using var client = Proxy.CreateClient();
        await client.GetAsync($"http://allowed.test:{Upstream.Port}/echo/admin?token=secret");
        var line = await Proxy.Log.WaitForLineAsync(l => l.Contains("\"RuleId\":\"block-admin-path\""));
        var json = System.Text.Json.JsonDocument.Parse(line).RootElement;
        Assert.Equal("Warning", json.GetProperty("@l").GetString());
        Assert.Equal("BLOCK", json.GetProperty("Decision").GetString());
        Assert.Equal("rules.yaml", json.GetProperty("RuleFile").GetString());
        Assert.True(json.GetProperty("DurationMs").GetInt64() >= 0);
        Assert.Equal("127.0.0.1", json.GetProperty("ClientIp").GetString());
        Assert.Equal("allowed.test", json.GetProperty("Host").GetString());
        Assert.Equal(Upstream.Port, json.GetProperty("Port").GetInt32());
        Assert.Equal("GET", json.GetProperty("Method").GetString());
        Assert.Equal("/echo/admin", json.GetProperty("Path").GetString());
        Assert.Equal("rule block-admin-path", json.GetProperty("Reason").GetString());
        Assert.DoesNotContain("secret", string.Join('\n', Proxy.Log.Lines()));
    }

    [Fact]
    public async Task An_allowed_request_is_logged_at_debug()
    {
        using var client = Proxy.CreateClient();
        await client.GetStringAsync($"http://allowed.test:{Upstream.Port}/echo/ok");
        var line = await Proxy.Log.WaitForLineAsync(l => l.Contains("\"RuleId\":\"allow-loopback-upstream\""));
        Assert.Contains("\"@l\":\"Debug\"", line);
    }

    [Fact]
    public async Task A_rule_engine_that_does_not_answer_blocks_with_rule_engine_unavailable_EC008()
    {
        await Proxy.Node.RuleEngine.GracefulStop(TimeSpan.FromSeconds(5));
        var response = await Proxy.SendRawAsync($"GET http://allowed.test:{Upstream.Port}/x HTTP/1.1\r\nHost: allowed.test:{Upstream.Port}\r\nConnection: close\r\n\r\n",
            TimeSpan.FromSeconds(20));
        Assert.StartsWith("HTTP/1.1 403", response);
        Assert.Contains("X-Outcall-Block-Reason: rule engine unavailable", response);
        await Proxy.Log.WaitForLineAsync(l => l.Contains("\"@l\":\"Error\"") && l.Contains("Rule engine unavailable"));
        Assert.Equal(0, Upstream.Connections);
    }

    [Fact]
    public async Task A_name_resolving_to_loopback_is_refused_unless_the_rule_opts_in_FR026()
    {
        var response = await Proxy.SendRawAsync($"GET http://rebind.test:{Upstream.Port}/x HTTP/1.1\r\nHost: rebind.test:{Upstream.Port}\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 403", response);
        Assert.Contains("loopback", response);
        Assert.Equal(0, Upstream.Connections);
    }

    [Fact]
    public async Task A_blocked_request_without_a_body_keeps_the_connection_for_the_next_one()
    {
        using var client = Proxy.CreateClient();
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync($"http://allowed.test:{Upstream.Port}/echo/admin")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"http://allowed.test:{Upstream.Port}/echo/fine")).StatusCode);
    }
}
