using System.Diagnostics.Metrics;

namespace Outcall.Telemetry;

public enum RequestKind { Http, Connect, Upgrade }

public enum BlockReason { Rule, DefaultPolicy, Destination, EngineUnavailable, ServerName, UnknownAgent, ProxyAuth }

public enum UpstreamErrorKind { Refused, Timeout, Dns, Protocol, Closed }

/// <summary>
/// Process-wide proxy metrics, published as <see cref="System.Diagnostics.Metrics"/> instruments on
/// <see cref="Meter"/> (named <see cref="MeterName"/>) for whichever exporter listens; the health endpoint
/// and the admin API read the totals directly.
/// </summary>
/// <remarks>
/// The recording methods run on the hot path. Counts and gauges are one Interlocked operation on a
/// preallocated slot, published through observable instruments that read the slots when an exporter
/// collects: the slots are needed anyway for the totals read here (an instrument cannot be read back),
/// and recording twice would cost twice. Only the evaluation time is a synchronous
/// <see cref="Histogram{T}"/>, which records nothing until an exporter listens and allocates nothing
/// when one does. Label sets are the fixed enums above and their tag arrays are built once. Reads are
/// per-value consistent, not a snapshot across values.
/// </remarks>
public sealed class ProxyMetrics : IDisposable
{
    public const string MeterName = "Outcall";

    /// <summary>Upper bounds of the evaluation-time buckets, in seconds: 10 us to 100 ms.</summary>
    public static readonly IReadOnlyList<double> EvaluationBucketBounds =
        [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];

    private static readonly string[] KindLabels = ["http", "connect", "upgrade"];
    private static readonly string[] ReasonLabels = ["rule", "default_policy", "destination", "engine_unavailable", "server_name", "unknown_agent", "proxy_auth"];
    private static readonly string[] UpstreamErrorLabels = ["refused", "timeout", "dns", "protocol", "closed"];
    private static readonly int KindCount = KindLabels.Length;

    // Slot kind * 3 + 0 is allowed, + 1 blocked, + 2 let through by observe mode; the tags follow the same order.
    private const int VerdictCount = 3;
    private static readonly KeyValuePair<string, object?>[][] RequestTags =
        KindLabels.SelectMany(kind => new[]
        {
            Tags(("kind", kind), ("verdict", "allow")), Tags(("kind", kind), ("verdict", "block")), Tags(("kind", kind), ("verdict", "would_block")),
        }).ToArray();
    private static readonly KeyValuePair<string, object?>[][] BlockTags = ReasonLabels.Select(r => Tags(("reason", r))).ToArray();
    private static readonly KeyValuePair<string, object?>[][] UpstreamErrorTags = UpstreamErrorLabels.Select(k => Tags(("kind", k))).ToArray();
    private static readonly KeyValuePair<string, object?>[] UpTag = Tags(("direction", "up"));
    private static readonly KeyValuePair<string, object?>[] DownTag = Tags(("direction", "down"));

    private long _activeConnections;
    private long _activeTunnels;
    private long _bytesUp;
    private long _bytesDown;
    private long _poolHits;
    private long _poolMisses;
    private long _poolEvictions;
    private long _retries;
    private readonly long[] _requests = new long[KindCount * VerdictCount];
    private readonly long[] _blocks = new long[ReasonLabels.Length];
    private readonly long[] _upstreamErrors = new long[UpstreamErrorLabels.Length];
    private readonly Histogram<double> _evaluationSeconds;
    private RuleSetInfo? _ruleSet;

    private sealed record RuleSetInfo(string Hash, DateTimeOffset LoadedAt, int RuleCount);

    /// <summary>Per-rule hits, published as <c>outcall.rule_hits{rule}</c> for the rule ids in force.</summary>
    public RuleHits RuleHits { get; } = new();

    /// <summary>This instance's instruments. Each instance has its own meter, so an exporter can take one node's only.</summary>
    public Meter Meter { get; }

    public ProxyMetrics()
    {
        Meter = new Meter(MeterName);
        Meter.CreateObservableCounter("outcall.requests", () => Slots(_requests, RequestTags), description: "Requests judged, by kind and verdict.");
        Meter.CreateObservableCounter("outcall.blocks", () => Slots(_blocks, BlockTags), description: "Blocked requests, by reason.");
        Meter.CreateObservableUpDownCounter("outcall.active_connections", () => ActiveConnections,
            description: "Client connections open now, tunnels included.");
        Meter.CreateObservableUpDownCounter("outcall.active_tunnels", () => ActiveTunnels, description: "CONNECT and upgrade tunnels open now.");
        // Unit By is what makes exporters call these bytes; the Prometheus name stays outcall_bytes_total.
        Meter.CreateObservableCounter("outcall.bytes", () => new Measurement<long>[]
        {
            new(Interlocked.Read(ref _bytesUp), UpTag),
            new(Interlocked.Read(ref _bytesDown), DownTag),
        }, unit: "By", description: "Bytes relayed, up (client to upstream) and down (upstream to client).");
        Meter.CreateObservableCounter("outcall.upstream_errors", () => Slots(_upstreamErrors, UpstreamErrorTags),
            description: "Failures talking to upstreams, by kind.");
        _evaluationSeconds = Meter.CreateHistogram<double>("outcall.rule_evaluation", unit: "s", description: "Time to judge one request against the rule set.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = EvaluationBucketBounds });
        Meter.CreateObservableGauge("outcall.ruleset_info", RuleSetInfoMeasurements, description: "The rule set in force, by content hash (always 1).");
        Meter.CreateObservableGauge("outcall.ruleset_rules", () => (long)(Volatile.Read(ref _ruleSet)?.RuleCount ?? 0),
            description: "Rules in the rule set in force.");
        Meter.CreateObservableGauge("outcall.ruleset_loaded_timestamp", () => Volatile.Read(ref _ruleSet) is { } set ? set.LoadedAt.ToUnixTimeMilliseconds() / 1000.0 : 0,
            unit: "s", description: "When the rule set in force was loaded, in Unix seconds.");
        Meter.CreateObservableCounter("outcall.rule_hits", RuleHits.Measurements,
            description: "Verdicts each loaded rule decided on the traffic path, by rule id (kept across reloads for ids that stay).");
        Meter.CreateObservableCounter("outcall.upstream_pool_hits", () => Interlocked.Read(ref _poolHits), description: "Upstream connections reused from the pool.");
        Meter.CreateObservableCounter("outcall.upstream_pool_misses", () => Interlocked.Read(ref _poolMisses),
            description: "Upstream connections opened because the pool had none.");
        Meter.CreateObservableCounter("outcall.upstream_pool_evictions", () => Interlocked.Read(ref _poolEvictions),
            description: "Pooled upstream connections closed by the pool.");
        Meter.CreateObservableCounter("outcall.upstream_retries", () => Interlocked.Read(ref _retries),
            description: "Requests retried on a fresh upstream connection.");
        // Process-wide: what the soak (bench/soak.sh) and an operator watch for a managed-memory leak.
        Meter.CreateObservableGauge("outcall.gc_heap_size", () => GC.GetGCMemoryInfo().HeapSizeBytes, unit: "By",
            description: "Managed heap size after the last garbage collection.");
    }

    public long ActiveConnections => Interlocked.Read(ref _activeConnections);
    public long ActiveTunnels => Interlocked.Read(ref _activeTunnels);
    public long PoolHits => Interlocked.Read(ref _poolHits);
    public long PoolEvictions => Interlocked.Read(ref _poolEvictions);
    public long Retries => Interlocked.Read(ref _retries);
    public long TotalRequests
    {
        get
        {
            long total = 0;
            for (var i = 0; i < _requests.Length; i++) total += Interlocked.Read(ref _requests[i]);
            return total;
        }
    }
    public long TotalBlocked
    {
        get
        {
            long total = 0;
            for (var i = 1; i < _requests.Length; i += VerdictCount) total += Interlocked.Read(ref _requests[i]);
            return total;
        }
    }

    public void ConnectionOpened() => Interlocked.Increment(ref _activeConnections);
    public void ConnectionClosed() => Interlocked.Decrement(ref _activeConnections);
    public void TunnelOpened() => Interlocked.Increment(ref _activeTunnels);
    public void TunnelClosed() => Interlocked.Decrement(ref _activeTunnels);

    public void RequestAllowed(RequestKind kind) => Interlocked.Increment(ref _requests[KindSlot(kind) * VerdictCount]);

    /// <summary>A request the rules blocked that observe mode let through (verdict="would_block"); not a block.</summary>
    public void RequestWouldBlock(RequestKind kind) => Interlocked.Increment(ref _requests[KindSlot(kind) * VerdictCount + 2]);

    public void RequestBlocked(RequestKind kind, BlockReason reason)
    {
        var kindSlot = KindSlot(kind);
        var reasonSlot = Slot((int)reason, _blocks.Length, nameof(reason));
        Interlocked.Increment(ref _requests[kindSlot * VerdictCount + 1]);
        Interlocked.Increment(ref _blocks[reasonSlot]);
    }

    /// <summary>Bytes relayed client-to-upstream (up) and upstream-to-client (down); negative amounts are refused.</summary>
    public void AddBytes(long up, long down)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(up);
        ArgumentOutOfRangeException.ThrowIfNegative(down);
        if (up != 0) Interlocked.Add(ref _bytesUp, up);
        if (down != 0) Interlocked.Add(ref _bytesDown, down);
    }

    public void UpstreamError(UpstreamErrorKind kind) =>
        Interlocked.Increment(ref _upstreamErrors[Slot((int)kind, _upstreamErrors.Length, nameof(kind))]);

    /// <summary>One rule evaluation's duration; a negative duration (clock oddity) counts as zero.</summary>
    public void EvaluationLatency(TimeSpan elapsed) =>
        _evaluationSeconds.Record(Math.Max(0, elapsed.Ticks) / (double)TimeSpan.TicksPerSecond);

    /// <summary>The rule set now in force (at start and after every successful reload).</summary>
    public void RuleSetLoaded(string contentHash, DateTimeOffset loadedAt, int ruleCount)
    {
        ArgumentNullException.ThrowIfNull(contentHash);
        ArgumentOutOfRangeException.ThrowIfNegative(ruleCount);
        Volatile.Write(ref _ruleSet, new RuleSetInfo(contentHash, loadedAt, ruleCount));
    }

    public void PoolHit() => Interlocked.Increment(ref _poolHits);
    public void PoolMiss() => Interlocked.Increment(ref _poolMisses);
    public void PoolEviction() => Interlocked.Increment(ref _poolEvictions);
    public void Retry() => Interlocked.Increment(ref _retries);

    /// <summary>Ends the instruments: listening exporters stop reporting this instance.</summary>
    public void Dispose() => Meter.Dispose();

    private IEnumerable<Measurement<long>> RuleSetInfoMeasurements() =>
        Volatile.Read(ref _ruleSet) is { } set ? [new Measurement<long>(1, new KeyValuePair<string, object?>("hash", set.Hash))] : [];

    // Collection time only (an exporter scraping), never the hot path.
    private static Measurement<long>[] Slots(long[] slots, KeyValuePair<string, object?>[][] tags)
    {
        var measurements = new Measurement<long>[slots.Length];
        for (var i = 0; i < slots.Length; i++) measurements[i] = new Measurement<long>(Interlocked.Read(ref slots[i]), tags[i]);
        return measurements;
    }

    private static KeyValuePair<string, object?>[] Tags(params (string Name, string Value)[] tags) =>
        tags.Select(t => new KeyValuePair<string, object?>(t.Name, t.Value)).ToArray();

    private static int KindSlot(RequestKind kind) => Slot((int)kind, KindCount, nameof(kind));

    private static int Slot(int value, int count, string name) =>
        (uint)value < (uint)count ? value : throw new ArgumentOutOfRangeException(name);
}
