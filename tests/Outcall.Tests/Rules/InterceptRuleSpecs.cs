using Akka.Actor;
using Akka.TestKit.Xunit2;
using Outcall.Rules;

namespace Outcall.Tests.Rules;

/// <summary>
/// S011-FR-003/S011-FR-004, S011-AS-003 / issue 14: `egress: { mode: intercept }` on allow rules, refused (naming the
/// file, line and rule) when the node has no CA, with a reload refused whole and the old set kept.
/// </summary>
public sealed class InterceptRuleSpecs : TestKit, IDisposable
{
    private static readonly RuleLoadOptions WithCa = new(CaConfigured: true);

    private const string InterceptGithub = """
        version: "1"
        rules:
          - id: github
            condition: network.hostname == "github.com"
            action: allow
            egress:
              mode: intercept
        """;

    private readonly RuleDirectory _rules = new();

    void IDisposable.Dispose()
    {
        _rules.Dispose();
        Dispose();
    }

    private static string Rule(string action, string egress) => $"""
        version: "1"
        rules:
          - id: r
            condition: network.hostname == "example.com"
            action: {action}
        {egress}
        """;

    [Fact]
    public void An_allow_rule_with_mode_intercept_loads_on_a_node_with_a_CA_and_its_verdict_carries_the_mode()
    {
        _rules.With("github.yaml", InterceptGithub);

        var result = RuleSetLoader.Load(_rules.Path, WithCa);

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        var verdict = result.RuleSet!.Evaluate(Requests.To("github.com")).Verdict;
        Assert.True(verdict.IsAllowed);
        Assert.Equal(EgressMode.Intercept, verdict.Mode);
        Assert.Equal(EgressMode.Intercept, Assert.Single(result.RuleSet.Rules).Mode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("    egress:\n      mode: proxy")]
    [InlineData("    egress:\n      allow_private_ips: false")]
    public void Without_mode_intercept_an_allow_rule_proxies(string egress)
    {
        _rules.With("a.yaml", Rule("allow", egress));

        var result = RuleSetLoader.Load(_rules.Path, WithCa);

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        Assert.Equal(EgressMode.Proxy, result.RuleSet!.Evaluate(Requests.To("example.com")).Verdict.Mode);
    }

    [Fact]
    public void The_default_block_verdict_proxies()
    {
        var set = RuleSetLoader.Load(_rules.Path, WithCa).RuleSet!;

        Assert.Equal(EgressMode.Proxy, set.Evaluate(Requests.To("example.com")).Verdict.Mode);
    }

    [Fact]
    public void Mode_intercept_on_a_node_without_a_CA_is_an_error_naming_the_file_line_and_rule()
    {
        _rules.With("github.yaml", InterceptGithub);

        var result = RuleSetLoader.Load(_rules.Path);

        Assert.False(result.Succeeded);
        Assert.Null(result.RuleSet);
        var error = Assert.Single(result.Errors);
        Assert.Equal(("github.yaml", 7, "github"), (error.File, error.Line, error.RuleId));
        Assert.Contains("egress mode 'intercept' needs a CA", error.Message);
        Assert.StartsWith("github.yaml:7:", error.ToString());
    }

    [Fact]
    public void A_replicated_set_with_mode_intercept_is_refused_by_a_node_without_a_CA()
    {
        var files = new[] { new RuleFile("github.yaml", InterceptGithub) };

        Assert.False(RuleSetLoader.LoadSources(files, "peer").Succeeded);
        Assert.True(RuleSetLoader.LoadSources(files, "peer", WithCa).Succeeded);
    }

    [Theory]
    [InlineData("proxy")]
    [InlineData("intercept")]
    public void Mode_on_a_block_rule_is_an_error(string mode)
    {
        _rules.With("a.yaml", Rule("block", $"    egress:\n      mode: {mode}"));

        var error = Assert.Single(RuleSetLoader.Load(_rules.Path, WithCa).Errors);

        Assert.Equal("r", error.RuleId);
        Assert.Equal("'egress' is only allowed on allow rules", error.Message);
    }

    [Theory]
    [InlineData("mitm", "unknown egress mode 'mitm' (expected proxy or intercept)")]
    [InlineData("direct_ip", "unknown egress mode 'direct_ip' (expected proxy or intercept)")]
    [InlineData("[intercept]", "'mode' must be proxy or intercept")]
    [InlineData("~", "'mode' must be proxy or intercept")]
    public void An_unknown_mode_is_an_error_naming_the_line_and_rule(string mode, string message)
    {
        _rules.With("a.yaml", Rule("allow", $"    egress:\n      mode: {mode}"));

        var error = Assert.Single(RuleSetLoader.Load(_rules.Path, WithCa).Errors);

        Assert.Equal(("a.yaml", 7, "r", message), (error.File, error.Line, error.RuleId, error.Message));
    }

    [Fact]
    public async Task A_reload_adding_an_intercept_rule_on_a_node_without_a_CA_is_refused_whole_and_the_old_set_stays()
    {
        _rules.With("a.yaml", """
            version: "1"
            rules:
              - id: allow-example
                condition: network.hostname == "example.com"
                action: allow
            """);
        var active = new ActiveRuleSet(_rules.LoadValid());
        var settings = new RulesSettings(_rules.Path, TimeSpan.FromSeconds(2), false, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(50));
        var engine = Sys.ActorOf(RuleEngine.PropsSupervised(active, settings, directory => RuleSetLoader.Load(directory, RuleLoadOptions.Default)));
        _rules.With("b.yaml", InterceptGithub);

        var reload = await engine.Ask<RuleEngine.ReloadResult>(RuleEngine.Reload.Instance, TimeSpan.FromSeconds(10));

        Assert.False(reload.Succeeded);
        Assert.Contains(reload.Load.Errors, e => e is { File: "b.yaml", RuleId: "github" });
        var verdict = (await engine.Ask<RuleEvaluation>(new RuleEngine.Evaluate(Requests.To("example.com")), TimeSpan.FromSeconds(10))).Verdict;
        Assert.Equal("allow-example", verdict.RuleId);
        Assert.Equal(EgressMode.Proxy, (await engine.Ask<RuleEvaluation>(new RuleEngine.Evaluate(Requests.To("github.com")), TimeSpan.FromSeconds(10))).Verdict.Mode);
    }
}
