using Outcall.Rules;
using Outcall.Telemetry;
using Outcall.Tests.Rules;

namespace Outcall.Tests.Telemetry;

/// <summary>Per-rule hit counters (issue 15): one hit per verdict a rule decides, kept across reloads for the ids that stay.</summary>
public sealed class RuleHitsSpecs : IDisposable
{
    private const string Rules = """
        version: "1"
        rules:
          - id: allow-api
            condition: network.hostname == "api.test"
            action: allow
            priority: 10
          - id: block-evil
            condition: network.hostname.endsWith(".evil.test")
            action: block
            priority: 20
        """;

    private readonly RuleDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private RuleSet Load(string yaml) => _directory.With("rules.yaml", yaml).LoadValid();

    [Fact]
    public void Each_verdict_a_rule_decides_is_one_hit_with_its_time_and_the_default_policy_counts_for_none()
    {
        var set = Load(Rules);
        var hits = new RuleHits();
        hits.Track(set);
        var before = DateTimeOffset.UtcNow;
        hits.Record(set.Evaluate(Requests.To("api.test")));
        hits.Record(set.Evaluate(Requests.To("api.test")));
        hits.Record(set.Evaluate(Requests.To("x.evil.test")));
        hits.Record(set.Evaluate(Requests.To("nothing.test")));
        var api = hits.Of("allow-api");
        Assert.Equal(2, api.Hits);
        Assert.InRange(api.LastHit!.Value, before.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal(1, hits.Of("block-evil").Hits);
    }

    [Fact]
    public void A_rule_never_hit_has_no_last_hit()
    {
        var hits = new RuleHits();
        hits.Track(Load(Rules));
        Assert.Equal(new RuleHitCount(0, null), hits.Of("block-evil"));
    }

    [Fact]
    public void A_reload_keeps_the_counts_of_the_ids_that_stay_wherever_they_move_and_drops_the_rest()
    {
        var first = Load(Rules);
        var hits = new RuleHits();
        hits.Track(first);
        hits.Record(first.Evaluate(Requests.To("api.test")));
        hits.Record(first.Evaluate(Requests.To("x.evil.test")));
        var second = Load("""
            version: "1"
            rules:
              - id: allow-new
                condition: network.hostname == "new.test"
                action: allow
                priority: 5
              - id: allow-api
                condition: network.hostname == "api.test"
                action: allow
                priority: 10
            """);
        hits.Track(second);
        hits.Record(second.Evaluate(Requests.To("api.test")));
        Assert.Equal(2, hits.Of("allow-api").Hits);
        Assert.Equal(0, hits.Of("allow-new").Hits);
        Assert.Equal(0, hits.Of("block-evil").Hits);
        hits.Track(first);
        Assert.Equal(0, hits.Of("block-evil").Hits);
    }

    [Fact]
    public void The_metric_has_one_series_per_loaded_rule_id_and_none_for_rules_gone()
    {
        using var metrics = new ProxyMetrics();
        using var scraper = new MetricsScraper(metrics);
        var set = Load(Rules);
        metrics.RuleHits.Track(set);
        metrics.RuleHits.Record(set.Evaluate(Requests.To("api.test")));
        metrics.RuleHits.Track(Load("""
            version: "1"
            rules:
              - id: allow-api
                condition: network.hostname == "api.test"
                action: allow
            """));
        var family = scraper.Scrape()["outcall_rule_hits_total"];
        Assert.Equal([("allow-api", 1.0)], family.Samples.Select(s => (s.Labels["rule"], s.Value)));
    }
}
