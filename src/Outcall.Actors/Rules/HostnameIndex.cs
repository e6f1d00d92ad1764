using Outcall.Rules.Cel;

namespace Outcall.Rules;

/// <summary>
/// Skips rules that cannot match a request. A rule whose condition can only be true for some exact
/// hostnames or hostname suffixes (CelProgram.ValueRequirement of network.hostname) is filed under
/// them; failing that, a rule that can only be true for some ports is filed under those; every other
/// rule is always a candidate. Each rule is in exactly one of the three, and candidates come out in
/// rule order, so first-match semantics are exactly those of a linear scan, while a 1,000-rule set
/// of per-host, per-domain and per-port rules costs a handful of evaluations.
/// <para>
/// Suffixes are plain ordinal string suffixes as in CEL's endsWith, not label-aware: ".x.y" matches
/// "ab.x.y" and "x.y" matches "a.bx.y". All the suffix keys a hostname ends with are suffixes of the
/// longest one it ends with, so each key's list is precomputed as the union of its own rules and its
/// suffix keys' rules (and each exact hostname's list likewise includes the rules of every suffix
/// key it ends with): evaluation probes the hostname's suffixes of the indexed lengths, longest
/// first, and takes one list, with span lookups and no allocation.
/// </para>
/// </summary>
internal sealed class HostnameIndex
{
    /// <summary>
    /// Cap on the suffix rules copied into the precomputed hostname lists (4M entries, 16 MB). Many
    /// rules under a common suffix times many keys ending with it grows quadratically; past the cap
    /// suffix rules are not indexed by hostname (they are scanned, or indexed by port).
    /// </summary>
    internal const int MaxSuffixRuleEntries = 1 << 22;

    private static readonly int PortSlot = EvaluationContext.Environment.SlotOf("network.port");

    private readonly int[] _alwaysCandidates;
    private readonly Dictionary<string, int[]> _byHostname;
    private readonly Dictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _bySuffix;
    /// <summary>The distinct lengths of the suffix keys, longest first.</summary>
    private readonly int[] _suffixLengths;
    private readonly Dictionary<long, int[]> _byPort;

    public HostnameIndex(IReadOnlyList<CompiledRule> orderedRules)
    {
        var requirements = orderedRules
            .Select(rule => rule.Program.ValueRequirement(EvaluationContext.HostnameSlot))
            .ToArray();
        var indexSuffixes = SuffixRuleEntries(requirements) <= MaxSuffixRuleEntries;

        var always = new List<int>();
        var exact = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var suffixed = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var byPort = new Dictionary<long, List<int>>();
        for (var i = 0; i < orderedRules.Count; i++)
        {
            var hostname = requirements[i];
            if (hostname is not null && (indexSuffixes || hostname.Suffixes.Count == 0))
            {
                // A hostname is a string: any int values in the requirement can never be met.
                foreach (var value in hostname.Strings) File(exact, value, i);
                foreach (var suffix in hostname.Suffixes) File(suffixed, suffix, i);
            }
            else if (orderedRules[i].Program.ValueRequirement(PortSlot) is { } port)
            {
                foreach (var value in port.Integers) File(byPort, value, i);
            }
            else always.Add(i);
        }

        _alwaysCandidates = always.ToArray();
        _byHostname = exact.ToDictionary(
            entry => entry.Key, entry => WithSuffixRules(entry.Key, entry.Value, suffixed), StringComparer.Ordinal);
        _bySuffix = suffixed.ToDictionary(
                entry => entry.Key, entry => WithSuffixRules(entry.Key, [], suffixed), StringComparer.Ordinal)
            .GetAlternateLookup<ReadOnlySpan<char>>();
        _suffixLengths = suffixed.Keys.Select(key => key.Length).Distinct().OrderDescending().ToArray();
        _byPort = byPort.ToDictionary(entry => entry.Key, entry => entry.Value.ToArray());
    }

    /// <summary>Indexes of the rules worth evaluating for a request to <paramref name="hostname"/>:<paramref name="port"/>, ascending.</summary>
    public Candidates For(string hostname, long port) =>
        new(_alwaysCandidates, ForHostname(hostname), _byPort.TryGetValue(port, out var byPort) ? byPort : []);

    private int[] ForHostname(string hostname)
    {
        if (_byHostname.TryGetValue(hostname, out var exact)) return exact;
        foreach (var length in _suffixLengths)
        {
            if (length > hostname.Length) continue;
            if (_bySuffix.TryGetValue(hostname.AsSpan(hostname.Length - length), out var suffixed)) return suffixed;
        }
        return [];
    }

    private static void File<TKey>(Dictionary<TKey, List<int>> index, TKey key, int rule) where TKey : notnull
    {
        if (!index.TryGetValue(key, out var rules)) index[key] = rules = [];
        rules.Add(rule);
    }

    /// <summary><paramref name="own"/> plus the rules of every suffix key <paramref name="key"/> ends with, ascending, distinct.</summary>
    private static int[] WithSuffixRules(string key, List<int> own, Dictionary<string, List<int>> suffixed)
    {
        var rules = new SortedSet<int>(own);
        var lookup = suffixed.GetAlternateLookup<ReadOnlySpan<char>>();
        for (var start = 0; start <= key.Length; start++)
            if (lookup.TryGetValue(key.AsSpan(start), out var ofSuffix)) rules.UnionWith(ofSuffix);
        return rules.ToArray();
    }

    /// <summary>How many suffix rules the precomputed hostname lists would hold, to stay under the cap.</summary>
    private static long SuffixRuleEntries(CelValueRequirement?[] requirements)
    {
        var rulesPerSuffix = new Dictionary<string, long>(StringComparer.Ordinal);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var requirement in requirements)
        {
            if (requirement is null) continue;
            keys.UnionWith(requirement.Strings);
            keys.UnionWith(requirement.Suffixes);
            foreach (var suffix in requirement.Suffixes) rulesPerSuffix[suffix] = rulesPerSuffix.GetValueOrDefault(suffix) + 1;
        }
        var lookup = rulesPerSuffix.GetAlternateLookup<ReadOnlySpan<char>>();
        long entries = 0;
        foreach (var key in keys)
        {
            for (var start = 0; start <= key.Length; start++)
                if (lookup.TryGetValue(key.AsSpan(start), out var count)) entries += count;
        }
        return entries;
    }

    /// <summary>An allocation-free merge of three ascending, disjoint index lists.</summary>
    public struct Candidates(int[] always, int[] byHostname, int[] byPort)
    {
        private int _nextAlways, _nextByHostname, _nextByPort;

        public int Current { get; private set; }

        public bool MoveNext()
        {
            var next = int.MaxValue;
            var from = 0;
            if (_nextAlways < always.Length) { next = always[_nextAlways]; from = 1; }
            if (_nextByHostname < byHostname.Length && byHostname[_nextByHostname] < next) { next = byHostname[_nextByHostname]; from = 2; }
            if (_nextByPort < byPort.Length && byPort[_nextByPort] < next) { next = byPort[_nextByPort]; from = 3; }
            switch (from)
            {
                case 1: _nextAlways++; break;
                case 2: _nextByHostname++; break;
                case 3: _nextByPort++; break;
                default: return false;
            }
            Current = next;
            return true;
        }
    }
}
