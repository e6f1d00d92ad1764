using Outcall.Rules;
using YamlDotNet.RepresentationModel;

namespace Outcall.Tests.Rules;

/// <summary>The rule file `outcall rules suggest` drafts from observed events (issue 15): pure, loaded and evaluated here.</summary>
public sealed class RuleSuggesterSpecs : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 13, 0, 0, TimeSpan.Zero);
    private static readonly SuggestionRequest Plain = new(null, null, "http://127.0.0.1:9901/");

    private readonly RuleDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private static ObservedRequest Seen(string host, int port = 443, string method = "CONNECT", string decision = "BLOCK",
        string cause = "default-policy", string agent = "", string sni = "", int minutesAgo = 1, string rule = "") =>
        new(Now.AddMinutes(-minutesAgo), decision, cause, agent, method, host, port, sni, rule);

    private RuleSet Load(string file)
    {
        _directory.With("suggested.yaml", file);
        return _directory.LoadValid();
    }

    private static bool Allows(RuleSet set, string host, long port, string method, string agent = "") =>
        set.Evaluate(Requests.To(host, method, port: port) with { AgentName = agent }).Verdict.IsAllowed;

    [Fact]
    public void Hosts_that_share_a_registrable_domain_become_one_suffix_rule()
    {
        var file = RuleSuggester.Suggest([Seen("api.example.com"), Seen("uploads.example.com"), Seen("example.com")], Plain);

        var set = Load(file);
        var rule = Assert.Single(set.Rules);
        Assert.Equal("allow-example-com-tunnels", rule.Id);
        Assert.Equal("""(network.hostname == "example.com" || network.hostname.endsWith(".example.com")) && network.port == 443 && http.method == "CONNECT" """.Trim(),
            rule.Condition);
        Assert.True(Allows(set, "cdn.example.com", 443, "CONNECT"));
        Assert.False(Allows(set, "badexample.com", 443, "CONNECT"));
        Assert.Contains("# api.example.com, example.com, uploads.example.com share the registrable domain example.com: one suffix.", file);
    }

    [Fact]
    public void A_lone_host_stays_an_exact_name_and_a_multi_label_public_suffix_is_not_merged()
    {
        var set = Load(RuleSuggester.Suggest([Seen("shop.example.co.uk"), Seen("news.other.co.uk")], Plain));

        Assert.Equal(["allow-news-other-co-uk-tunnels", "allow-shop-example-co-uk-tunnels"], set.Rules.Select(r => r.Id).Order());
        Assert.Contains(set.Rules, r => r.Condition.StartsWith("network.hostname == \"shop.example.co.uk\" && ", StringComparison.Ordinal));
        Assert.False(Allows(set, "evil.co.uk", 443, "CONNECT"));
    }

    [Theory]
    [InlineData("api.github.com", "github.com")]
    [InlineData("a.b.example.com.au", "example.com.au")]
    [InlineData("me.github.io", "me.github.io")]
    [InlineData("bucket.s3.amazonaws.com", "bucket.s3.amazonaws.com")]
    [InlineData("localhost", "localhost")]
    [InlineData("10.1.2.3", "10.1.2.3")]
    public void The_registrable_domain_follows_public_suffixes_and_never_merges_hosting_suffixes(string host, string domain) =>
        Assert.Equal(domain, RuleSuggester.RegistrableDomain(host));

    [Fact]
    public void Plain_http_is_allowed_by_port_and_the_methods_seen_and_tunnels_separately()
    {
        var set = Load(RuleSuggester.Suggest(
            [Seen("pkg.test", 8080, "GET"), Seen("pkg.test", 8080, "POST", decision: "ALLOW", cause: "rule"), Seen("pkg.test", 443)], Plain));

        Assert.Equal(["allow-pkg-test-http", "allow-pkg-test-tunnels"], set.Rules.Select(r => r.Id).Order());
        Assert.True(Allows(set, "pkg.test", 8080, "GET") && Allows(set, "pkg.test", 8080, "POST") && Allows(set, "pkg.test", 443, "CONNECT"));
        Assert.False(Allows(set, "pkg.test", 8080, "DELETE"));
        Assert.False(Allows(set, "pkg.test", 8443, "CONNECT"));
        Assert.False(Allows(set, "pkg.test", 443, "GET"));
    }

    [Fact]
    public void Would_block_events_count_like_blocks_and_an_sni_verdict_allows_the_sni()
    {
        var set = Load(RuleSuggester.Suggest([Seen("observed.test", decision: "WOULD_BLOCK"), Seen("front.test", sni: "hidden.test")], Plain));

        Assert.True(Allows(set, "observed.test", 443, "CONNECT"));
        Assert.True(Allows(set, "hidden.test", 443, "CONNECT"));
        Assert.False(Allows(set, "front.test", 443, "CONNECT"));
    }

    [Fact]
    public void Refusals_no_rule_can_lift_are_left_out_and_counted()
    {
        var file = RuleSuggester.Suggest(
            [Seen("internal.test", cause: "destination"), Seen("slow.test", cause: "engine-unavailable"), Seen("fine.test")], Plain);

        var set = Load(file);
        Assert.Equal(["allow-fine-test-tunnels"], set.Rules.Select(r => r.Id));
        Assert.Contains("# Left out: 2 refusals no rule can lift", file);
    }

    [Fact]
    public void Since_leaves_out_older_events_by_their_time()
    {
        var file = RuleSuggester.Suggest([Seen("old.test", minutesAgo: 90), Seen("new.test", minutesAgo: 10)],
            Plain with { NotBefore = Now.AddHours(-1) });

        Assert.Equal(["allow-new-test-tunnels"], Load(file).Rules.Select(r => r.Id));
        Assert.Contains("since 2026-12-02T12:00:00Z", file);
    }

    [Fact]
    public void For_one_agent_the_rules_hold_for_that_agent_only()
    {
        var set = Load(RuleSuggester.Suggest([Seen("a.test", agent: "builder"), Seen("b.test", agent: "other")], Plain with { Agent = "builder" }));

        Assert.Single(set.Rules);
        Assert.True(Allows(set, "a.test", 443, "CONNECT", agent: "builder"));
        Assert.False(Allows(set, "a.test", 443, "CONNECT", agent: "other"));
    }

    [Fact]
    public void Nothing_observed_is_a_valid_file_without_rules()
    {
        var file = RuleSuggester.Suggest([], Plain);

        Assert.Empty(Load(file).Rules);
        Assert.Contains("version: \"1\"", file);
    }

    [Fact]
    public void Every_rule_has_a_description_and_a_comment_saying_what_was_seen()
    {
        var file = RuleSuggester.Suggest([Seen("one.test", minutesAgo: 5), Seen("one.test", decision: "ALLOW", cause: "rule", agent: "bot")], Plain);

        var yaml = new YamlStream();
        yaml.Load(new StringReader(file));
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        Assert.Equal("1", root["version"].ToString());
        var rule = (YamlMappingNode)((YamlSequenceNode)root["rules"]).Children.Single();
        Assert.Equal("tunnels (CONNECT) to one.test, port 443", rule["description"].ToString());
        Assert.Contains("  # Seen 2 times (1 blocked or would-block), 2026-12-02T12:55:00Z to 2026-12-02T12:59:00Z, agents: (unknown), bot.", file);
    }

    [Fact]
    public void A_name_a_rule_cannot_quote_safely_is_left_out_and_an_agent_is_escaped()
    {
        var file = RuleSuggester.Suggest([Seen("bad\"host.test", agent: "a\"b\n"), Seen("ok.test", agent: "a\"b\n")], Plain with { Agent = "a\"b\n" });

        var rule = Assert.Single(Load(file).Rules);
        Assert.EndsWith("""agent.name == "a\"b\u000a" """.Trim(), rule.Condition);
        Assert.Contains("# Left out: 1 event whose host name or method is not plain text.", file);
    }

    [Fact]
    public void A_host_an_explicit_block_rule_refused_is_allowed_with_a_warning_naming_that_rule()
    {
        var file = RuleSuggester.Suggest([Seen("risky.test", cause: "rule", rule: "block-risky")], Plain);

        Assert.Single(Load(file).Rules);
        Assert.Contains("  # Careful: block rule block-risky refused some of these on purpose; keep it ahead of this one", file);
    }
}
