using System.Collections.Frozen;
using System.Diagnostics.Metrics;
using Outcall.Rules;

namespace Outcall.Telemetry;

/// <summary>How often a rule decided a verdict on this node, and when it last did.</summary>
/// <param name="LastHit">Null when it has not decided one since it was loaded.</param>
public readonly record struct RuleHitCount(long Hits, DateTimeOffset? LastHit);

/// <summary>
/// Per-rule hit counters (issue 15): each verdict a rule decides on the traffic path counts one hit for that rule id.
/// Recording is one array read and one Interlocked increment on a counter made when the set was loaded; nothing is
/// locked or allocated per request. Reads (the admin API, a metrics scrape) see per-counter values, not a snapshot.
/// <para>
/// Reset semantics: counters are per node, in memory, and start at zero when the process starts. A reload (or a set
/// adopted from the cluster) keeps the counter of every rule id that is still in the new set, whatever its position,
/// and drops the counters of ids that are gone; an id that comes back later starts again at zero. Only the rule ids
/// of the set in force are exposed, so the metric's label set is bounded by the loaded rules.
/// </para>
/// </summary>
public sealed class RuleHits
{
    private sealed class Counter
    {
        public long Hits;
        /// <summary>UTC ticks of the last hit; 0 for none.</summary>
        public long LastHitTicks;
    }

    /// <summary>The counters of one rule set: by position for the hot path, by id for reads and reloads.</summary>
    private sealed record Table(RuleSet? Set, IReadOnlyList<string> Ids, Counter[] ByPosition, FrozenDictionary<string, Counter> ById);

    private Table _table = new(null, [], [], FrozenDictionary<string, Counter>.Empty);

    /// <summary>Makes <paramref name="set"/> the counted one, carrying over the counters of the ids it keeps. Idempotent.</summary>
    public void Track(RuleSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        var old = Volatile.Read(ref _table);
        if (ReferenceEquals(old.Set, set)) return;
        var byPosition = new Counter[set.Rules.Count];
        var byId = new Dictionary<string, Counter>(StringComparer.Ordinal);
        for (var i = 0; i < byPosition.Length; i++)
        {
            var id = set.Rules[i].Id;
            // Ids are unique in a loaded set; a repeated one shares its counter rather than losing hits.
            if (!byId.TryGetValue(id, out var counter)) byId[id] = counter = old.ById.GetValueOrDefault(id) ?? new Counter();
            byPosition[i] = counter;
        }
        Volatile.Write(ref _table, new Table(set, set.Rules.Select(r => r.Id).Distinct(StringComparer.Ordinal).ToArray(), byPosition,
            byId.ToFrozenDictionary(StringComparer.Ordinal)));
    }

    /// <summary>One verdict decided on the traffic path: a hit for its rule; nothing for the default policy.</summary>
    public void Record(RuleEvaluation evaluation)
    {
        if (evaluation.Verdict.RuleId is not { } id) return;
        var table = Volatile.Read(ref _table);
        var counter = ReferenceEquals(evaluation.DecidedBy, table.Set) && (uint)evaluation.RuleIndex < (uint)table.ByPosition.Length
            ? table.ByPosition[evaluation.RuleIndex]
            // A set that is no longer (or not yet) the tracked one: its ids still count where they exist.
            : table.ById.GetValueOrDefault(id);
        if (counter is null) return;
        Interlocked.Increment(ref counter.Hits);
        Volatile.Write(ref counter.LastHitTicks, DateTime.UtcNow.Ticks);
    }

    /// <summary>The count of rule <paramref name="ruleId"/> in the set in force; zero hits for an id it does not have.</summary>
    public RuleHitCount Of(string ruleId)
    {
        if (!Volatile.Read(ref _table).ById.TryGetValue(ruleId, out var counter)) return default;
        var ticks = Volatile.Read(ref counter.LastHitTicks);
        return new RuleHitCount(Interlocked.Read(ref counter.Hits), ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero));
    }

    /// <summary>For the <c>outcall.rule_hits</c> instrument: one measurement per rule id in the set in force (collection time only).</summary>
    internal IEnumerable<Measurement<long>> Measurements()
    {
        var table = Volatile.Read(ref _table);
        var measurements = new Measurement<long>[table.Ids.Count];
        for (var i = 0; i < measurements.Length; i++)
        {
            var id = table.Ids[i];
            measurements[i] = new Measurement<long>(Interlocked.Read(ref table.ById[id].Hits), new KeyValuePair<string, object?>("rule", id));
        }
        return measurements;
    }
}
