using System.Globalization;

namespace Outcall.Telemetry;

public enum RequestKind { Http, Connect, Upgrade }

public enum BlockReason { Rule, DefaultPolicy, Destination, EngineUnavailable, ServerName, UnknownAgent }

public enum UpstreamErrorKind { Refused, Timeout, Dns, Protocol, Closed }

/// <summary>
/// Process-wide proxy metrics (the health endpoint, the admin API and /metrics read them).
/// The recording methods run on the hot path: each is one or two Interlocked operations on a
/// preallocated slot, never a lock or an allocation. Label sets are the fixed enums above, so every
/// series is an array slot indexed by enum value. Reads are per-value consistent, not a snapshot
/// across values (a scrape racing a request may see the request counted and its bytes not yet).
/// </summary>
public sealed class ProxyMetrics
{
    private const string Prefix = "outcall_";

    /// <summary>Upper bounds of the evaluation-latency buckets, in seconds: 10 us to 100 ms.</summary>
    private static readonly double[] LatencyBounds =
        [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];

    private static readonly long[] LatencyBoundTicks = LatencyBounds.Select(s => (long)Math.Round(s * TimeSpan.TicksPerSecond)).ToArray();

    private static readonly int KindCount = Enum.GetValues<RequestKind>().Length;
    private static readonly string[] KindLabels = ["http", "connect", "upgrade"];
    private static readonly string[] ReasonLabels = ["rule", "default_policy", "destination", "engine_unavailable", "server_name", "unknown_agent"];
    private static readonly string[] UpstreamErrorLabels = ["refused", "timeout", "dns", "protocol", "closed"];

    private long _activeConnections;
    private long _activeTunnels;
    private long _bytesUp;
    private long _bytesDown;
    private long _poolHits;
    private long _poolMisses;
    private long _poolEvictions;
    private long _retries;
    // Slot kind * 2 + 0 counts allowed, kind * 2 + 1 blocked.
    private readonly long[] _requests = new long[KindCount * 2];
    private readonly long[] _blocks = new long[ReasonLabels.Length];
    private readonly long[] _upstreamErrors = new long[UpstreamErrorLabels.Length];
    // Per-bucket (not cumulative) counts; the last slot is +Inf. Cumulated when written.
    private readonly long[] _latencyBuckets = new long[LatencyBounds.Length + 1];
    private long _latencySumTicks;
    private RuleSetInfo? _ruleSet;

    private sealed record RuleSetInfo(string Hash, DateTimeOffset LoadedAt, int RuleCount);

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
            for (var i = 1; i < _requests.Length; i += 2) total += Interlocked.Read(ref _requests[i]);
            return total;
        }
    }

    public void ConnectionOpened() => Interlocked.Increment(ref _activeConnections);
    public void ConnectionClosed() => Interlocked.Decrement(ref _activeConnections);
    public void TunnelOpened() => Interlocked.Increment(ref _activeTunnels);
    public void TunnelClosed() => Interlocked.Decrement(ref _activeTunnels);

    public void RequestAllowed(RequestKind kind) => Interlocked.Increment(ref _requests[KindSlot(kind) * 2]);

    public void RequestBlocked(RequestKind kind, BlockReason reason)
    {
        Interlocked.Increment(ref _requests[KindSlot(kind) * 2 + 1]);
        Interlocked.Increment(ref _blocks[Slot((int)reason, _blocks.Length, nameof(reason))]);
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
    public void EvaluationLatency(TimeSpan elapsed)
    {
        var ticks = Math.Max(0, elapsed.Ticks);
        var bucket = 0;
        while (bucket < LatencyBoundTicks.Length && ticks > LatencyBoundTicks[bucket]) bucket++;
        Interlocked.Increment(ref _latencyBuckets[bucket]);
        Interlocked.Add(ref _latencySumTicks, ticks);
    }

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

    /// <summary>Writes every metric in the Prometheus text exposition format 0.0.4.</summary>
    public void WriteTo(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var w = new ExpositionWriter(writer);

        w.Header("requests_total", "counter", "Requests judged, by kind and verdict.");
        for (var kind = 0; kind < KindCount; kind++)
        {
            w.Sample("requests_total", $"kind=\"{KindLabels[kind]}\",verdict=\"allow\"", Interlocked.Read(ref _requests[kind * 2]));
            w.Sample("requests_total", $"kind=\"{KindLabels[kind]}\",verdict=\"block\"", Interlocked.Read(ref _requests[kind * 2 + 1]));
        }

        w.Header("blocks_total", "counter", "Blocked requests, by reason.");
        for (var i = 0; i < ReasonLabels.Length; i++) w.Sample("blocks_total", $"reason=\"{ReasonLabels[i]}\"", Interlocked.Read(ref _blocks[i]));

        w.Header("active_connections", "gauge", "Client connections open now, tunnels included.");
        w.Sample("active_connections", null, ActiveConnections);
        w.Header("active_tunnels", "gauge", "CONNECT and upgrade tunnels open now.");
        w.Sample("active_tunnels", null, ActiveTunnels);

        w.Header("bytes_total", "counter", "Bytes relayed, up (client to upstream) and down (upstream to client).");
        w.Sample("bytes_total", "direction=\"up\"", Interlocked.Read(ref _bytesUp));
        w.Sample("bytes_total", "direction=\"down\"", Interlocked.Read(ref _bytesDown));

        w.Header("upstream_errors_total", "counter", "Failures talking to upstreams, by kind.");
        for (var i = 0; i < UpstreamErrorLabels.Length; i++)
            w.Sample("upstream_errors_total", $"kind=\"{UpstreamErrorLabels[i]}\"", Interlocked.Read(ref _upstreamErrors[i]));

        WriteLatency(w);

        var ruleSet = Volatile.Read(ref _ruleSet);
        w.Header("ruleset_info", "gauge", "The rule set in force, by content hash (always 1).");
        if (ruleSet is not null) w.Sample("ruleset_info", $"hash=\"{ExpositionWriter.EscapeLabel(ruleSet.Hash)}\"", 1);
        w.Header("ruleset_rules", "gauge", "Rules in the rule set in force.");
        w.Sample("ruleset_rules", null, ruleSet?.RuleCount ?? 0);
        w.Header("ruleset_loaded_timestamp_seconds", "gauge", "When the rule set in force was loaded, in Unix seconds.");
        w.Sample("ruleset_loaded_timestamp_seconds", null, ruleSet is null ? 0 : ruleSet.LoadedAt.ToUnixTimeMilliseconds() / 1000.0);

        w.Header("upstream_pool_hits_total", "counter", "Upstream connections reused from the pool.");
        w.Sample("upstream_pool_hits_total", null, Interlocked.Read(ref _poolHits));
        w.Header("upstream_pool_misses_total", "counter", "Upstream connections opened because the pool had none.");
        w.Sample("upstream_pool_misses_total", null, Interlocked.Read(ref _poolMisses));
        w.Header("upstream_pool_evictions_total", "counter", "Pooled upstream connections closed by the pool.");
        w.Sample("upstream_pool_evictions_total", null, Interlocked.Read(ref _poolEvictions));
        w.Header("upstream_retries_total", "counter", "Requests retried on a fresh upstream connection.");
        w.Sample("upstream_retries_total", null, Interlocked.Read(ref _retries));
    }

    private void WriteLatency(ExpositionWriter w)
    {
        const string name = "rule_evaluation_seconds";
        w.Header(name, "histogram", "Time to judge one request against the rule set.");
        // Read each bucket once and derive the count from the same reads, so _count equals the +Inf bucket.
        long cumulative = 0;
        for (var i = 0; i < _latencyBuckets.Length; i++)
        {
            cumulative += Interlocked.Read(ref _latencyBuckets[i]);
            var le = i < LatencyBounds.Length ? LatencyBounds[i].ToString("0.######", CultureInfo.InvariantCulture) : "+Inf";
            w.Sample(name + "_bucket", $"le=\"{le}\"", cumulative);
        }
        w.Sample(name + "_sum", null, (double)Interlocked.Read(ref _latencySumTicks) / TimeSpan.TicksPerSecond);
        w.Sample(name + "_count", null, cumulative);
    }

    private static int KindSlot(RequestKind kind) => Slot((int)kind, KindCount, nameof(kind));

    private static int Slot(int value, int count, string name) =>
        (uint)value < (uint)count ? value : throw new ArgumentOutOfRangeException(name);

    private readonly struct ExpositionWriter(TextWriter writer)
    {
        public void Header(string name, string type, string help)
        {
            writer.Write($"# HELP {Prefix}{name} {help}\n");
            writer.Write($"# TYPE {Prefix}{name} {type}\n");
        }

        public void Sample(string name, string? labels, long value) =>
            writer.Write($"{Prefix}{name}{(labels is null ? "" : "{" + labels + "}")} {value.ToString(CultureInfo.InvariantCulture)}\n");

        public void Sample(string name, string? labels, double value) =>
            writer.Write($"{Prefix}{name}{(labels is null ? "" : "{" + labels + "}")} {value.ToString("R", CultureInfo.InvariantCulture)}\n");

        /// <summary>Label values escape backslash, double quote and line feed (format 0.0.4).</summary>
        public static string EscapeLabel(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");
    }
}
