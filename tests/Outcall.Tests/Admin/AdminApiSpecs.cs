using System.Globalization;
using System.Net;
using System.Text.Json;
using Outcall.Rules;
using Outcall.Telemetry;
using Outcall.Tests.Telemetry;

namespace Outcall.Tests.Admin;

/// <summary>The admin API's read and evaluate endpoints against a real node.</summary>
public sealed class AdminApiSpecs(AdminNode node) : IClassFixture<AdminNode>
{
    private AdminHttp Http => node.Http;

    [Fact]
    public async Task Proxy_status_reports_the_listen_address_and_the_live_counters()
    {
        var metrics = node.Proxy.Node.Metrics;
        metrics.ConnectionOpened();
        metrics.TunnelOpened();
        metrics.RequestAllowed(RequestKind.Http);
        metrics.RequestBlocked(RequestKind.Connect, BlockReason.Rule);
        try
        {
            var (status, body) = await Http.GetJsonAsync("/api/v1/proxy");
            Assert.Equal(HttpStatusCode.OK, status);
            var data = AdminHttp.Envelope(body, success: true);
            Assert.True(data.GetProperty("listening").GetBoolean());
            Assert.Equal(node.Proxy.Endpoint.ToString(), data.GetProperty("listen_address").GetString());
            Assert.Equal(metrics.ActiveConnections, data.GetProperty("active_connections").GetInt64());
            Assert.Equal(metrics.ActiveTunnels, data.GetProperty("active_tunnels").GetInt64());
            Assert.Equal(metrics.TotalRequests, data.GetProperty("total_requests").GetInt64());
            Assert.Equal(metrics.TotalBlocked, data.GetProperty("total_blocked").GetInt64());
            Assert.True(data.GetProperty("total_blocked").GetInt64() >= 1);
        }
        finally
        {
            metrics.ConnectionClosed();
            metrics.TunnelClosed();
        }
    }

    [Fact]
    public async Task Rules_lists_the_active_rules_in_evaluation_order_IF002()
    {
        var (status, body) = await Http.GetJsonAsync("/api/v1/rules");
        Assert.Equal(HttpStatusCode.OK, status);
        var rows = AdminHttp.Envelope(body, success: true);
        Assert.Equal(["allow-example", "block-evil"], rows.EnumerateArray().Select(r => r.GetProperty("id").GetString()));
        var first = rows[0];
        Assert.Equal(["action", "condition_preview", "description", "file", "hits", "id", "last_hit", "priority"], first.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal("rules.yaml", first.GetProperty("file").GetString());
        Assert.Equal("allow", first.GetProperty("action").GetString());
        Assert.Equal(10, first.GetProperty("priority").GetInt32());
        Assert.Equal("network.hostname == \"example.com\"", first.GetProperty("condition_preview").GetString());
        Assert.Equal("Example is fine", first.GetProperty("description").GetString());
        Assert.Equal(JsonValueKind.Null, rows[1].GetProperty("description").ValueKind);
    }

    [Fact]
    public async Task Rules_carries_the_active_set_hash_as_its_ETag_and_the_load_time_as_Last_Modified()
    {
        var expected = RuleSetLoader.Load(node.Proxy.RulesDir.FullName).RuleSet!;
        using var response = await Http.SendAsync(HttpMethod.Get, "/api/v1/rules");
        Assert.Equal($"\"{expected.ContentHash}\"", response.Headers.ETag?.Tag);
        Assert.True(response.Content.Headers.LastModified > DateTimeOffset.UnixEpoch);
    }

    [Fact]
    public async Task One_rule_is_shown_with_every_field()
    {
        var (status, body) = await Http.GetJsonAsync("/api/v1/rule/allow-example");
        Assert.Equal(HttpStatusCode.OK, status);
        var rule = AdminHttp.Envelope(body, success: true);
        Assert.Equal(["action", "allow_private_ips", "condition", "description", "file", "id", "line", "log", "priority"],
            rule.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal("allow-example", rule.GetProperty("id").GetString());
        Assert.Equal("rules.yaml", rule.GetProperty("file").GetString());
        Assert.True(rule.GetProperty("line").GetInt32() > 0);
        Assert.Equal("allow", rule.GetProperty("action").GetString());
        Assert.Equal(10, rule.GetProperty("priority").GetInt32());
        Assert.True(rule.GetProperty("log").GetBoolean());
        Assert.Equal("Example is fine", rule.GetProperty("description").GetString());
        Assert.Equal("network.hostname == \"example.com\"", rule.GetProperty("condition").GetString());
        Assert.False(rule.GetProperty("allow_private_ips").GetBoolean());
    }

    [Fact]
    public async Task An_unknown_rule_id_is_a_404_envelope_naming_it_IF003()
    {
        var (status, body) = await Http.GetJsonAsync("/api/v1/rule/no-such-rule");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(JsonValueKind.Null, AdminHttp.Envelope(body, success: false).ValueKind);
        Assert.Equal("rule not found: \"no-such-rule\"", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Evaluate_takes_the_context_wrapped_as_Outcall_sends_it_and_names_the_matching_rule_IF001()
    {
        var (status, body) = await Http.PostJsonAsync("/api/v1/rule/evaluate", """
            {"context": {"network": {"hostname": "example.com", "ip": "93.184.215.14", "port": 443, "protocol": "tcp"},
                         "http": {"method": "GET", "path": "/", "host": "example.com", "headers": {}, "body_size": 0}}}
            """);
        Assert.Equal(HttpStatusCode.OK, status);
        var data = AdminHttp.Envelope(body, success: true);
        Assert.Equal("allow", data.GetProperty("decision").GetString());
        Assert.Equal("allow-example", data.GetProperty("matched_rule").GetString());
        Assert.Equal("rules.yaml", data.GetProperty("file").GetString());
        Assert.True(data.GetProperty("logged").GetBoolean());
        Assert.Equal("rule allow-example", data.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Evaluate_still_takes_the_bare_context()
    {
        var (status, body) = await Http.PostJsonAsync("/api/v1/rule/evaluate", """{"network":{"hostname":"example.com","port":443}}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("allow-example", AdminHttp.Envelope(body, success: true).GetProperty("matched_rule").GetString());
    }

    [Fact]
    public async Task Evaluate_with_no_match_reports_the_default_policy_block_with_no_rule_or_file_IF001()
    {
        var (_, body) = await Http.PostJsonAsync("/api/v1/rule/evaluate", """{"context":{"network":{"hostname":"other.test"}}}""");
        var data = AdminHttp.Envelope(body, success: true);
        Assert.Equal("block", data.GetProperty("decision").GetString());
        Assert.Equal(JsonValueKind.Null, data.GetProperty("matched_rule").ValueKind);
        Assert.Equal(JsonValueKind.Null, data.GetProperty("file").ValueKind);
        Assert.False(data.GetProperty("logged").GetBoolean());
        Assert.Equal("default policy: no rule matched", data.GetProperty("reason").GetString());
    }

    public static TheoryData<string> BadContexts => new()
    {
        "{not json",
        "[1,2]",
        """{"network":{"hostname":"secret-token-123","bogus":"x"}}""",
        """{"network":{"port":"secret-token-123"}}""",
        """{"context":{"network":{"hostname":"secret-token-123","bogus":"x"}}}""",
        """{"context":{"network":{}},"extra":"secret-token-123"}""",
        """{"context":"secret-token-123"}""",
        "",
    };

    [Theory]
    [MemberData(nameof(BadContexts))]
    public async Task Evaluate_with_a_bad_context_is_a_400_envelope_that_does_not_echo_values(string context)
    {
        var (status, body) = await Http.PostJsonAsync("/api/v1/rule/evaluate", context);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AdminHttp.Envelope(body, success: false);
        Assert.DoesNotContain("secret-token-123", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_body_over_the_limit_is_refused_with_413()
    {
        var huge = "{\"network\":{\"hostname\":\"" + new string('a', 100_000) + "\"}}";
        var (status, body) = await Http.PostJsonAsync("/api/v1/rule/evaluate", huge);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        AdminHttp.Envelope(body, success: false);
    }

    public static TheoryData<string, string> Expressions => new()
    {
        { """{"expression":"network.port == 443","context":{"network":{"port":443}}}""", "true" },
        { """{"expression":"http.method == \"GET\""}""", "false" },
        { """{"expression":"network.port + 1","context":{"network":{"port":442}}}""", "443" },
        { """{"expression":"network.hostname + \"/x\"","context":{"network":{"hostname":"a.test"}}}""", "\"a.test/x\"" },
        { """{"expression":"[1, 2.5, \"s\"]"}""", "[1,2.5,\"s\"]" },
        { """{"expression":"{\"k\": true}"}""", "{\"k\":true}" },
    };

    [Theory]
    [MemberData(nameof(Expressions))]
    public async Task Test_evaluates_an_expression_against_a_context_and_returns_its_value(string request, string result)
    {
        var (status, body) = await Http.PostJsonAsync("/api/v1/rule/test", request);
        Assert.Equal(HttpStatusCode.OK, status);
        var data = AdminHttp.Envelope(body, success: true);
        Assert.Equal(result, data.GetProperty("result").GetRawText());
        Assert.Equal(JsonValueKind.Null, data.GetProperty("error").ValueKind);
    }

    public static TheoryData<string, string> FailingExpressions => new()
    {
        { """{"expression":"network.port ==","context":{}}""", "compile error at 1:" },
        { """{"expression":"network.port == \"x\""}""", "compile error" },
        { """{"expression":"1 / network.port"}""", "runtime error" },
    };

    [Theory]
    [MemberData(nameof(FailingExpressions))]
    public async Task Test_answers_a_syntax_type_or_runtime_error_as_a_false_result_with_the_error_IF005(string request, string error)
    {
        var (status, body) = await Http.PostJsonAsync("/api/v1/rule/test", request);
        Assert.Equal(HttpStatusCode.OK, status);
        var data = AdminHttp.Envelope(body, success: true);
        Assert.False(data.GetProperty("result").GetBoolean());
        Assert.Contains(error, data.GetProperty("error").GetString());
    }

    public static TheoryData<string, HttpStatusCode, string> BadTests => new()
    {
        { """{"context":{}}""", HttpStatusCode.BadRequest, "\"expression\" is required" },
        { """{"expression":5}""", HttpStatusCode.BadRequest, "must be one string" },
        { """{"expression":"true","extra":1}""", HttpStatusCode.BadRequest, "unknown field" },
        { """{"expression":"true","context":{"nope":{"x":"y"}}}""", HttpStatusCode.BadRequest, "unknown context field" },
        { """{"expression":"true",""", HttpStatusCode.BadRequest, "not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(BadTests))]
    public async Task Test_refuses_a_malformed_request_with_a_400_envelope(string request, HttpStatusCode expected, string error)
    {
        var (status, body) = await Http.PostJsonAsync("/api/v1/rule/test", request);
        Assert.Equal(expected, status);
        AdminHttp.Envelope(body, success: false);
        Assert.Contains(error, body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Ready_answers_200_while_listening_and_503_while_draining()
    {
        using (var ready = await Http.SendAsync(HttpMethod.Get, "/ready"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            Assert.Equal("ready", (await ready.Content.ReadAsStringAsync()).Trim());
        }
        node.Proxy.Node.State.Draining = true;
        try
        {
            using var draining = await Http.SendAsync(HttpMethod.Get, "/ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, draining.StatusCode);
        }
        finally
        {
            node.Proxy.Node.State.Draining = false;
        }
    }

    [Fact]
    public async Task Metrics_is_valid_prometheus_text_describing_the_loaded_rule_set()
    {
        using var response = await Http.SendAsync(HttpMethod.Get, "/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var families = PrometheusExposition.Parse(await response.Content.ReadAsStringAsync());
        var hash = RuleSetLoader.Load(node.Proxy.RulesDir.FullName).RuleSet!.ContentHash;
        Assert.Equal(hash, Assert.Single(families["outcall_ruleset_info"].Samples).Label("hash"));
        Assert.Equal(2, Assert.Single(families["outcall_ruleset_rules"].Samples).Value);
        Assert.True(Assert.Single(families["outcall_ruleset_loaded_timestamp_seconds"].Samples).Value > 1_600_000_000);
    }

    [Fact]
    public async Task Metrics_shows_what_the_node_recorded()
    {
        static async Task<double> DestinationBlocks(AdminHttp http)
        {
            using var response = await http.SendAsync(HttpMethod.Get, "/metrics");
            var families = PrometheusExposition.Parse(await response.Content.ReadAsStringAsync());
            return families["outcall_blocks_total"].Samples.Single(s => s.Label("reason") == "destination").Value;
        }
        var before = await DestinationBlocks(Http);
        node.Proxy.Node.Metrics.RequestBlocked(RequestKind.Http, BlockReason.Destination);
        Assert.Equal(before + 1, await DestinationBlocks(Http));
    }

    public static TheoryData<string> LoopbackHosts => new() { "localhost", "LocalHost:9091", "127.0.0.1", "127.0.0.1:1234", "[::1]", "[::1]:80" };

    [Theory]
    [MemberData(nameof(LoopbackHosts))]
    public async Task A_loopback_Host_is_served(string host)
    {
        using var response = await Http.SendAsync(HttpMethod.Get, "/ready", host);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public static TheoryData<string> ForeignHosts => new()
    {
        "example.com", "attacker.test:9091", "localhost.attacker.test", "127.0.0.2", "127.1", "0x7f000001", "[::2]", "10.0.0.1:9091",
    };

    [Theory]
    [MemberData(nameof(ForeignHosts))]
    public async Task Any_other_Host_is_refused_with_403_against_DNS_rebinding(string host)
    {
        using var ready = await Http.SendAsync(HttpMethod.Get, "/ready", host);
        Assert.Equal(HttpStatusCode.Forbidden, ready.StatusCode);
        using var api = await Http.SendAsync(HttpMethod.Post, "/api/v1/rules/reload", host);
        Assert.Equal(HttpStatusCode.Forbidden, api.StatusCode);
        using var document = JsonDocument.Parse(await api.Content.ReadAsStringAsync());
        AdminHttp.Envelope(document.RootElement, success: false);
    }

    [Theory]
    [InlineData("POST", "/api/v1/proxy", "GET, HEAD")]
    [InlineData("GET", "/api/v1/rules/reload", "POST")]
    // GET on /api/v1/rule/evaluate is the rule whose id is "evaluate" (IF-003), so all three are allowed there.
    [InlineData("DELETE", "/api/v1/rule/evaluate", "GET, HEAD, POST")]
    [InlineData("PUT", "/metrics", "GET, HEAD")]
    public async Task A_wrong_method_is_a_405_naming_the_right_one(string method, string path, string allow)
    {
        using var response = await Http.SendAsync(new HttpMethod(method), path);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(allow, string.Join(", ", response.Content.Headers.Allow));
    }

    [Theory]
    [InlineData("/api/v1/rules/reload", HttpStatusCode.MethodNotAllowed)]
    [InlineData("/api/v2/proxy", HttpStatusCode.NotFound)]
    public async Task A_refusal_under_api_that_routing_answers_still_carries_the_envelope(string path, HttpStatusCode expected)
    {
        var (status, body) = await Http.GetJsonAsync(path);
        Assert.Equal(expected, status);
        AdminHttp.Envelope(body, success: false);
    }

    [Theory]
    [InlineData("/ready")]
    [InlineData("/api/v1/proxy")]
    [InlineData("/api/v1/rule/allow-example")]
    [InlineData("/metrics")]
    public async Task A_GET_endpoint_answers_HEAD_without_a_body(string path)
    {
        using var response = await Http.SendAsync(HttpMethod.Head, path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("/api/v2/proxy")]
    [InlineData("/api/v1/rule/")]
    [InlineData("/health")]
    public async Task An_unknown_path_is_a_404(string path)
    {
        using var response = await Http.SendAsync(HttpMethod.Get, path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task The_node_log_carries_no_query_strings_or_bodies_from_admin_requests()
    {
        using var _ = await Http.SendAsync(HttpMethod.Get, "/api/v1/proxy?token=secret-query-value");
        await Http.PostJsonAsync("/api/v1/rule/evaluate", """{"network":{"hostname":"secret-body-value"}}""");
        var log = string.Join('\n', node.Proxy.Log.Lines());
        Assert.DoesNotContain("secret-query-value", log);
        Assert.DoesNotContain("secret-body-value", log);
        Assert.Contains(node.Proxy.Node.AdminEndpoint!.ToString(), log, StringComparison.Ordinal);
    }
}
