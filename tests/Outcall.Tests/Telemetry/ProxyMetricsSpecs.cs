using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Outcall.Telemetry;

namespace Outcall.Tests.Telemetry;

/// <summary>What /metrics shows of each recording, read through the node's exporter and a Prometheus parser not ours.</summary>
public sealed class ProxyMetricsSpecs : IDisposable
{
    private readonly ProxyMetrics _metrics = new();
    private readonly MetricsScraper _scraper;

    public ProxyMetricsSpecs() => _scraper = new MetricsScraper(_metrics);

    public void Dispose()
    {
        _scraper.Dispose();
        _metrics.Dispose();
    }

    private IReadOnlyDictionary<string, PrometheusFamily> Scrape() => _scraper.Scrape();

    private static double Value(IReadOnlyDictionary<string, PrometheusFamily> families, string family, params (string Name, string Value)[] labels) =>
        families[family].Samples.Single(s => s.Name == family && s.Labels.Count == labels.Length
                                             && labels.All(l => s.Labels.TryGetValue(l.Name, out var v) && v == l.Value)).Value;

    public static TheoryData<string, string> Families => new()
    {
        { "outcall_requests_total", "counter" },
        { "outcall_blocks_total", "counter" },
        { "outcall_active_connections", "gauge" },
        { "outcall_active_tunnels", "gauge" },
        { "outcall_bytes_total", "counter" },
        { "outcall_upstream_errors_total", "counter" },
        { "outcall_rule_evaluation_seconds", "histogram" },
        { "outcall_ruleset_info", "gauge" },
        { "outcall_ruleset_rules", "gauge" },
        { "outcall_ruleset_loaded_timestamp_seconds", "gauge" },
        { "outcall_upstream_pool_hits_total", "counter" },
        { "outcall_upstream_pool_misses_total", "counter" },
        { "outcall_upstream_pool_evictions_total", "counter" },
        { "outcall_upstream_retries_total", "counter" },
        { "outcall_rule_hits_total", "counter" },
        { "outcall_gc_heap_size_bytes", "gauge" },
    };

    [Theory]
    [MemberData(nameof(Families))]
    public void Every_metric_family_is_written_with_help_and_type_once_there_is_something_to_show(string name, string type)
    {
        ShowSomething();
        var family = Scrape()[name];
        Assert.Equal(type, family.Type);
        Assert.NotEmpty(family.Help);
    }

    [Fact]
    public void Only_the_contract_families_are_written()
    {
        ShowSomething();
        var expected = Families.Select(row => (string)row[0]).Order();
        Assert.Equal(expected, Scrape().Keys.Order());
    }

    /// <summary>The families whose only series need something to have happened: an evaluation timed, a rule set loaded and its rules counted.</summary>
    private void ShowSomething()
    {
        _metrics.EvaluationLatency(TimeSpan.FromMilliseconds(1));
        _metrics.RuleSetLoaded("abc", DateTimeOffset.UnixEpoch, 1);
        using var rules = new Rules.RuleDirectory();
        _metrics.RuleHits.Track(rules.With("rules.yaml", "version: \"1\"\nrules:\n  - id: r\n    condition: \"true\"\n    action: allow\n").LoadValid());
    }

    /// <summary>
    /// A family with no series is not written (OpenTelemetry's exporter writes none): a histogram has none before its
    /// first measurement, outcall_ruleset_info and outcall_rule_hits_total none before a rule set is loaded (a node loads one
    /// before it starts). Every other family is there from the start.
    /// </summary>
    [Fact]
    public void A_fresh_instance_writes_every_family_but_the_evaluation_histogram_and_the_rule_set_info()
    {
        string[] later = ["outcall_rule_evaluation_seconds", "outcall_ruleset_info", "outcall_rule_hits_total"];
        var expected = Families.Select(row => (string)row[0]).Except(later).Order();
        Assert.Equal(expected, Scrape().Keys.Order());
        ShowSomething();
        var families = Scrape();
        Assert.Equal(1, families["outcall_rule_evaluation_seconds"].Samples.Single(s => s.Name.EndsWith("_count")).Value);
        Assert.Equal("abc", Assert.Single(families["outcall_ruleset_info"].Samples).Label("hash"));
    }

    [Fact]
    public void A_fresh_instance_writes_every_labelled_series_at_zero()
    {
        var families = Scrape();
        Assert.Equal(9, families["outcall_requests_total"].Samples.Count);
        Assert.Equal(7, families["outcall_blocks_total"].Samples.Count);
        Assert.Equal(5, families["outcall_upstream_errors_total"].Samples.Count);
        // The GC heap is the process's, not this instance's: it is never zero.
        Assert.All(families.Values.Where(f => f.Name != "outcall_gc_heap_size_bytes").SelectMany(f => f.Samples), s => Assert.Equal(0, s.Value));
    }

    [Fact]
    public void The_gc_heap_gauge_reports_the_managed_heap_after_the_last_collection()
    {
        GC.Collect();
        // Other specs allocate in this process meanwhile, so only the bounds are exact.
        var heap = Value(Scrape(), "outcall_gc_heap_size_bytes");
        Assert.InRange(heap, 1, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);
    }

    [Fact]
    public void Requests_are_counted_by_kind_and_verdict_and_total_requests_is_allowed_plus_blocked()
    {
        _metrics.RequestAllowed(RequestKind.Http);
        _metrics.RequestAllowed(RequestKind.Http);
        _metrics.RequestAllowed(RequestKind.Upgrade);
        _metrics.RequestBlocked(RequestKind.Connect, BlockReason.Rule);
        var families = Scrape();
        Assert.Equal(2, Value(families, "outcall_requests_total", ("kind", "http"), ("verdict", "allow")));
        Assert.Equal(1, Value(families, "outcall_requests_total", ("kind", "upgrade"), ("verdict", "allow")));
        Assert.Equal(1, Value(families, "outcall_requests_total", ("kind", "connect"), ("verdict", "block")));
        Assert.Equal(0, Value(families, "outcall_requests_total", ("kind", "http"), ("verdict", "block")));
        Assert.Equal(4, _metrics.TotalRequests);
        Assert.Equal(1, _metrics.TotalBlocked);
    }

    [Fact]
    public void A_request_observe_mode_let_through_is_counted_as_would_block_and_not_as_blocked()
    {
        _metrics.RequestWouldBlock(RequestKind.Http);
        _metrics.RequestWouldBlock(RequestKind.Connect);
        var families = Scrape();
        Assert.Equal(1, Value(families, "outcall_requests_total", ("kind", "http"), ("verdict", "would_block")));
        Assert.Equal(1, Value(families, "outcall_requests_total", ("kind", "connect"), ("verdict", "would_block")));
        Assert.Equal(0, Value(families, "outcall_blocks_total", ("reason", "rule")));
        Assert.Equal((2, 0), (_metrics.TotalRequests, _metrics.TotalBlocked));
    }

    public static TheoryData<BlockReason, string> Reasons => new()
    {
        { BlockReason.Rule, "rule" },
        { BlockReason.DefaultPolicy, "default_policy" },
        { BlockReason.Destination, "destination" },
        { BlockReason.EngineUnavailable, "engine_unavailable" },
        { BlockReason.ServerName, "server_name" },
        { BlockReason.UnknownAgent, "unknown_agent" },
        { BlockReason.ProxyAuth, "proxy_auth" },
    };

    [Theory]
    [MemberData(nameof(Reasons))]
    public void A_block_is_counted_under_its_reason_only(BlockReason reason, string label)
    {
        _metrics.RequestBlocked(RequestKind.Http, reason);
        var blocks = Scrape()["outcall_blocks_total"].Samples;
        Assert.Equal(1, blocks.Single(s => s.Label("reason") == label).Value);
        Assert.Equal(1, blocks.Sum(s => s.Value));
    }

    public static TheoryData<UpstreamErrorKind, string> UpstreamErrors => new()
    {
        { UpstreamErrorKind.Refused, "refused" },
        { UpstreamErrorKind.Timeout, "timeout" },
        { UpstreamErrorKind.Dns, "dns" },
        { UpstreamErrorKind.Protocol, "protocol" },
        { UpstreamErrorKind.Closed, "closed" },
    };

    [Theory]
    [MemberData(nameof(UpstreamErrors))]
    public void An_upstream_error_is_counted_under_its_kind_only(UpstreamErrorKind kind, string label)
    {
        _metrics.UpstreamError(kind);
        var errors = Scrape()["outcall_upstream_errors_total"].Samples;
        Assert.Equal(1, errors.Single(s => s.Label("kind") == label).Value);
        Assert.Equal(1, errors.Sum(s => s.Value));
    }

    [Fact]
    public void Connection_and_tunnel_gauges_follow_opens_and_closes()
    {
        _metrics.ConnectionOpened();
        _metrics.ConnectionOpened();
        _metrics.ConnectionClosed();
        _metrics.TunnelOpened();
        var families = Scrape();
        Assert.Equal(1, _metrics.ActiveConnections);
        Assert.Equal(1, _metrics.ActiveTunnels);
        Assert.Equal(1, Value(families, "outcall_active_connections"));
        Assert.Equal(1, Value(families, "outcall_active_tunnels"));
        _metrics.TunnelClosed();
        Assert.Equal(0, _metrics.ActiveTunnels);
    }

    [Fact]
    public void Bytes_accumulate_per_direction()
    {
        _metrics.AddBytes(100, 5000);
        _metrics.AddBytes(20, 0);
        var families = Scrape();
        Assert.Equal(120, Value(families, "outcall_bytes_total", ("direction", "up")));
        Assert.Equal(5000, Value(families, "outcall_bytes_total", ("direction", "down")));
    }

    [Fact]
    public void Negative_byte_counts_are_refused_and_change_nothing()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _metrics.AddBytes(-1, 5));
        Assert.Equal(0, Scrape()["outcall_bytes_total"].Samples.Sum(s => s.Value));
    }

    [Fact]
    public void An_undefined_enum_value_is_refused_and_counts_nothing()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _metrics.RequestAllowed((RequestKind)7));
        Assert.Throws<ArgumentOutOfRangeException>(() => _metrics.UpstreamError((UpstreamErrorKind)(-1)));
        Assert.Equal(0, _metrics.TotalRequests);
        Assert.Equal(0, Scrape()["outcall_upstream_errors_total"].Samples.Sum(s => s.Value));
    }

    public static TheoryData<double, string> LatencyBuckets => new()
    {
        { 0, "0.00001" },
        { 0.00001, "0.00001" },       // a bound is inclusive (le)
        { 0.0000101, "0.000025" },
        { 0.0007, "0.001" },
        { 0.1, "0.1" },
        { 0.15, "+Inf" },
        { -1, "0.00001" },            // a clock oddity counts as zero
    };

    [Theory]
    [MemberData(nameof(LatencyBuckets))]
    public void An_evaluation_latency_lands_in_the_first_bucket_whose_bound_holds_it(double seconds, string le)
    {
        _metrics.EvaluationLatency(TimeSpan.FromSeconds(seconds));
        var buckets = Scrape()["outcall_rule_evaluation_seconds"].Samples.Where(s => s.Name.EndsWith("_bucket")).ToList();
        var first = buckets.First(b => b.Value == 1);
        // Bounds compare as numbers: the exporter writes 0.00001 as 1E-05, which Prometheus reads alike.
        Assert.Equal(PrometheusExposition.Float(le), first.Bound);
        Assert.Equal(0.00001, buckets[0].Bound);
        Assert.Equal(0.1, buckets[^2].Bound);
    }

    [Fact]
    public void The_latency_sum_and_count_are_in_seconds_and_observations()
    {
        _metrics.EvaluationLatency(TimeSpan.FromMilliseconds(2));
        _metrics.EvaluationLatency(TimeSpan.FromMilliseconds(3));
        var samples = Scrape()["outcall_rule_evaluation_seconds"].Samples;
        Assert.Equal(0.005, samples.Single(s => s.Name == "outcall_rule_evaluation_seconds_sum").Value, 9);
        Assert.Equal(2, samples.Single(s => s.Name == "outcall_rule_evaluation_seconds_count").Value);
    }

    [Property(MaxTest = 50)]
    public Property Any_latencies_give_a_valid_cumulative_histogram(int[] microseconds)
    {
        using var metrics = new ProxyMetrics();
        using var scraper = new MetricsScraper(metrics);
        foreach (var us in microseconds) metrics.EvaluationLatency(TimeSpan.FromTicks(us * 10L));
        var families = scraper.Scrape();
        if (microseconds.Length == 0) return (!families.ContainsKey("outcall_rule_evaluation_seconds")).ToProperty();
        var samples = families["outcall_rule_evaluation_seconds"].Samples;
        var buckets = samples.Where(s => s.Name.EndsWith("_bucket")).ToList();
        var count = samples.Single(s => s.Name.EndsWith("_count")).Value;
        var expectedSum = microseconds.Sum(us => Math.Max(0, us * 10L)) / (double)TimeSpan.TicksPerSecond;
        var cumulative = buckets.Zip(buckets.Skip(1)).All(pair => pair.First.Bound < pair.Second.Bound && pair.First.Value <= pair.Second.Value);
        return (cumulative && double.IsPositiveInfinity(buckets[^1].Bound) && buckets[^1].Value == count
                && count == microseconds.Length && Math.Abs(samples.Single(s => s.Name.EndsWith("_sum")).Value - expectedSum) < 1e-9).ToProperty();
    }

    [Fact]
    public void The_rule_set_in_force_is_described_by_hash_count_and_load_time()
    {
        _metrics.RuleSetLoaded("old", DateTimeOffset.FromUnixTimeSeconds(1), 1);
        _metrics.RuleSetLoaded("abc123", DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_500), 42);
        var families = Scrape();
        var info = Assert.Single(families["outcall_ruleset_info"].Samples);
        Assert.Equal("abc123", info.Label("hash"));
        Assert.Equal(1, info.Value);
        Assert.Equal(42, Value(families, "outcall_ruleset_rules"));
        Assert.Equal(1_700_000_000.5, Value(families, "outcall_ruleset_loaded_timestamp_seconds"));
    }

    [Fact]
    public void A_hash_label_with_quotes_backslashes_and_newlines_is_escaped()
    {
        const string hostile = "a\"b\\c\nd} 9";
        _metrics.RuleSetLoaded(hostile, DateTimeOffset.UnixEpoch, 0);
        Assert.Equal(hostile, Assert.Single(Scrape()["outcall_ruleset_info"].Samples).Label("hash"));
    }

    [Fact]
    public void Pool_and_retry_counters_count_their_events()
    {
        _metrics.PoolHit();
        _metrics.PoolHit();
        _metrics.PoolMiss();
        _metrics.PoolEviction();
        _metrics.Retry();
        var families = Scrape();
        Assert.Equal(2, Value(families, "outcall_upstream_pool_hits_total"));
        Assert.Equal(1, Value(families, "outcall_upstream_pool_misses_total"));
        Assert.Equal(1, Value(families, "outcall_upstream_pool_evictions_total"));
        Assert.Equal(1, Value(families, "outcall_upstream_retries_total"));
    }

    [Fact]
    public void Concurrent_recording_loses_no_counts()
    {
        const int perWorker = 10_000;
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, worker =>
        {
            for (var i = 0; i < perWorker; i++)
            {
                if (i % 2 == 0) _metrics.RequestAllowed(RequestKind.Http);
                else _metrics.RequestBlocked(RequestKind.Connect, BlockReason.DefaultPolicy);
                _metrics.AddBytes(1, 2);
                _metrics.ConnectionOpened();
                _metrics.ConnectionClosed();
                _metrics.EvaluationLatency(TimeSpan.FromTicks(i));
            }
        });
        var families = Scrape();
        Assert.Equal(8 * perWorker, _metrics.TotalRequests);
        Assert.Equal(8 * perWorker / 2, _metrics.TotalBlocked);
        Assert.Equal(8 * perWorker, Value(families, "outcall_bytes_total", ("direction", "up")));
        Assert.Equal(0, _metrics.ActiveConnections);
        Assert.Equal(8 * perWorker, families["outcall_rule_evaluation_seconds"].Samples.Single(s => s.Name.EndsWith("_count")).Value);
    }

    [Fact]
    public void Recording_on_the_hot_path_allocates_nothing()
    {
        void RecordAll()
        {
            _metrics.ConnectionOpened();
            _metrics.RequestAllowed(RequestKind.Http);
            _metrics.RequestBlocked(RequestKind.Upgrade, BlockReason.ServerName);
            _metrics.AddBytes(10, 20);
            _metrics.UpstreamError(UpstreamErrorKind.Timeout);
            _metrics.EvaluationLatency(TimeSpan.FromMilliseconds(1));
            _metrics.TunnelOpened();
            _metrics.PoolHit();
            _metrics.Retry();
            _metrics.ConnectionClosed();
        }
        RecordAll(); // JIT first; the node's exporter listens (the class's scraper), as in production
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++) RecordAll();
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }
}
