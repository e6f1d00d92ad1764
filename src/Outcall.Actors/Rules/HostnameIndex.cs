namespace Outcall.Rules;

/// <summary>
/// Skips rules that cannot match a request's hostname. A rule whose condition can only be true for a
/// known set of hostnames (CelProgram.RequiredLiteralValues) is filed under each of them; every other
/// rule is always a candidate. Candidates come out in rule order, so first-match semantics are exactly
/// those of a linear scan, while a 1,000-rule set of per-host rules costs a handful of evaluations.
/// </summary>
internal sealed class HostnameIndex
{
    private readonly int[] _alwaysCandidates;
    private readonly Dictionary<string, int[]> _byHostname;

    public HostnameIndex(IReadOnlyList<CompiledRule> orderedRules)
    {
        var always = new List<int>();
        var byHostname = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < orderedRules.Count; i++)
        {
            var hostnames = orderedRules[i].Program.RequiredLiteralValues(EvaluationContext.HostnameSlot);
            if (hostnames is null) { always.Add(i); continue; }
            foreach (var hostname in hostnames)
            {
                if (!byHostname.TryGetValue(hostname, out var list)) byHostname[hostname] = list = [];
                list.Add(i);
            }
        }
        _alwaysCandidates = always.ToArray();
        _byHostname = byHostname.ToDictionary(entry => entry.Key, entry => entry.Value.ToArray(), StringComparer.Ordinal);
    }

    /// <summary>Indexes of the rules worth evaluating for <paramref name="hostname"/>, ascending.</summary>
    public Candidates For(string hostname) =>
        new(_alwaysCandidates, _byHostname.TryGetValue(hostname, out var indexed) ? indexed : []);

    /// <summary>An allocation-free merge of two ascending index lists.</summary>
    public struct Candidates(int[] always, int[] indexed)
    {
        private int _nextAlways, _nextIndexed;

        public int Current { get; private set; }

        public bool MoveNext()
        {
            var haveAlways = _nextAlways < always.Length;
            var haveIndexed = _nextIndexed < indexed.Length;
            if (!haveAlways && !haveIndexed) return false;
            // A rule is in exactly one of the two lists, so the indexes never tie.
            Current = haveAlways && (!haveIndexed || always[_nextAlways] < indexed[_nextIndexed])
                ? always[_nextAlways++]
                : indexed[_nextIndexed++];
            return true;
        }
    }
}
