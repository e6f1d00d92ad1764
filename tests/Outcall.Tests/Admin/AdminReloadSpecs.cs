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

    [Fact]
    public async Task A_good_rules_directory_is_loaded_and_becomes_the_active_set()
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
        Assert.Equal(3, data.GetProperty("rule_count").GetInt32());
        Assert.Equal(expectedHash, data.GetProperty("hash").GetString());
        Assert.Empty(data.GetProperty("errors").EnumerateArray());

        var (_, rules) = await _http.GetJsonAsync("/api/v1/rules");
        Assert.Equal(expectedHash, AdminHttp.Envelope(rules, success: true).GetProperty("hash").GetString());
    }

    [Fact]
    public async Task A_bad_rules_directory_is_rejected_with_422_listing_the_errors_and_the_old_set_stays()
    {
        var (_, before) = await _http.GetJsonAsync("/api/v1/rules");
        var oldHash = AdminHttp.Envelope(before, success: true).GetProperty("hash").GetString();
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
        Assert.Equal(2, data.GetProperty("rule_count").GetInt32());
        Assert.Equal(oldHash, data.GetProperty("hash").GetString());
        Assert.Contains(data.GetProperty("errors").EnumerateArray(), e => e.GetString()!.Contains("broken.yaml"));

        var (_, after) = await _http.GetJsonAsync("/api/v1/rules");
        Assert.Equal(oldHash, AdminHttp.Envelope(after, success: true).GetProperty("hash").GetString());
    }
}
