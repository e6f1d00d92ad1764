using System.Net;
using Outcall.Rules;
using Outcall.Tests.Proxy;

namespace Outcall.Tests.Admin;

/// <summary>POST /api/v1/rules/reload: atomic reload through the rule-engine actor (S003 reload).</summary>
public sealed class AdminReloadSpecs : IAsyncLifetime
{
    private ProxyHarness _proxy = null!;
    private AdminHttp _http = null!;

    public async Task InitializeAsync()
    {
        _proxy = await ProxyHarness.StartAsync(AdminNode.Rules, $"{ProxyHarness.WithAdmin}\noutcall.rules.watch = off");
        _http = new AdminHttp(_proxy.AdminUri);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _proxy.DisposeAsync();
    }

    private string RulesFile(string name) => Path.Combine(_proxy.RulesDir.FullName, name);

    /// <summary>The active set's content hash, as `GET /api/v1/rules` tags it.</summary>
    private async Task<string> ActiveHashAsync()
    {
        using var response = await _http.SendAsync(HttpMethod.Get, "/api/v1/rules");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.ETag!.Tag.Trim('"');
    }

    [Fact]
    public async Task A_good_rules_directory_is_loaded_and_becomes_the_active_set_IF004()
    {
        await File.WriteAllTextAsync(RulesFile("extra.yaml"), """
            version: "1"
            rules:
              - id: allow-docs
                condition: network.hostname == "docs.test"
                action: allow
            """);
        var (status, body) = await _http.PostJsonAsync("/api/v1/rules/reload", "");
        Assert.Equal(HttpStatusCode.OK, status);
        var data = AdminHttp.Envelope(body, success: true);
        var expectedHash = RuleSetLoader.Load(_proxy.RulesDir.FullName).RuleSet!.ContentHash;
        Assert.True(data.GetProperty("succeeded").GetBoolean());
        Assert.Equal(2, data.GetProperty("files_loaded").GetInt32());
        Assert.Equal(3, data.GetProperty("rules_loaded").GetInt32());
        Assert.Empty(data.GetProperty("warnings").EnumerateArray());
        Assert.Equal(3, data.GetProperty("rule_count").GetInt32());
        Assert.Equal(expectedHash, data.GetProperty("hash").GetString());
        Assert.Empty(data.GetProperty("errors").EnumerateArray());

        Assert.Equal(expectedHash, await ActiveHashAsync());
    }

    [Fact]
    public async Task A_bad_rules_directory_is_rejected_with_422_listing_the_errors_and_the_old_set_stays_IF004()
    {
        var oldHash = await ActiveHashAsync();
        await File.WriteAllTextAsync(RulesFile("broken.yaml"), """
            version: "1"
            rules:
              - id: broken
                condition: network.port == "not an int"
                action: allow
            """);
        var (status, body) = await _http.PostJsonAsync("/api/v1/rules/reload", "");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var data = AdminHttp.Envelope(body, success: false);
        Assert.False(data.GetProperty("succeeded").GetBoolean());
        Assert.Equal(0, data.GetProperty("files_loaded").GetInt32());
        Assert.Equal(0, data.GetProperty("rules_loaded").GetInt32());
        Assert.Equal(2, data.GetProperty("rule_count").GetInt32());
        Assert.Equal(oldHash, data.GetProperty("hash").GetString());
        Assert.Contains(data.GetProperty("errors").EnumerateArray(), e => e.GetString()!.Contains("broken.yaml"));

        Assert.Equal(oldHash, await ActiveHashAsync());
    }

    [Fact]
    public async Task A_refused_reload_names_the_file_line_column_and_rule_of_the_first_problem_and_lists_them_all_IF004()
    {
        await File.WriteAllTextAsync(RulesFile("06-bad.yaml"), """
            version: "1"
            rules:
              - id: broken
                condition: network.port == "not an int"
                action: allow
              - id: also-broken
                condition: "1 +"
                action: allow
            """);
        var (status, body) = await _http.PostJsonAsync("/api/v1/rules/reload", "");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var data = AdminHttp.Envelope(body, success: false);
        var error = body.GetProperty("error").GetString()!;
        Assert.Matches("""^reload failed: 06-bad\.yaml:4:\d+ rule "broken": .+ \(and 1 more error\(s\)\)\. Previous rules remain active\.$""", error);
        Assert.Equal(2, data.GetProperty("errors").GetArrayLength());
        Assert.Contains(data.GetProperty("errors").EnumerateArray(), e => e.GetString()!.Contains("also-broken"));
    }

    [Fact]
    public async Task Rules_preview_the_condition_as_written_and_one_rule_shows_it_with_definitions_expanded_IF002_IF003()
    {
        await File.WriteAllTextAsync(RulesFile("10-defs.yaml"), """
            version: "1"
            definitions:
              docs: network.hostname == "docs.test"
              unused: "true"
            rules:
              - id: allow-docs
                condition: |
                  $docs &&
                    network.port == 443
                action: allow
            """);
        var (_, reload) = await _http.PostJsonAsync("/api/v1/rules/reload", "");
        var warnings = AdminHttp.Envelope(reload, success: true).GetProperty("warnings");
        Assert.Contains(warnings.EnumerateArray(), w => w.GetString()!.Contains("'$unused'"));

        var (_, rules) = await _http.GetJsonAsync("/api/v1/rules");
        var row = AdminHttp.Envelope(rules, success: true).EnumerateArray().Single(r => r.GetProperty("id").GetString() == "allow-docs");
        Assert.Equal("$docs && network.port == 443", row.GetProperty("condition_preview").GetString());
        Assert.Equal("10-defs.yaml", row.GetProperty("file").GetString());

        var (_, rule) = await _http.GetJsonAsync("/api/v1/rule/allow-docs");
        var condition = AdminHttp.Envelope(rule, success: true).GetProperty("condition").GetString()!;
        Assert.Contains("(network.hostname == \"docs.test\")", condition);
        Assert.DoesNotContain("$docs", condition);
    }
}
