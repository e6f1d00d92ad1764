using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Outcall.Rules.Cel;

/// <summary>
/// The value of a CEL map literal. Keys are bool, int, uint or string; numeric keys compare by
/// value across int/uint/double, so {1u: x}[1] and {1u: x}[1.0] find the entry.
/// </summary>
internal sealed class CelMap : IReadOnlyDictionary<object, object?>
{
    private readonly Dictionary<object, object?> _entries;

    private CelMap(Dictionary<object, object?> entries) => _entries = entries;

    /// <summary>Builds a map or returns the CelError for an unsupported or repeated key.</summary>
    public static object Create(object?[] keys, object?[] values)
    {
        var entries = new Dictionary<object, object?>(keys.Length, KeyComparer.Instance);
        for (var i = 0; i < keys.Length; i++)
        {
            var key = keys[i];
            if (key is not (bool or long or ulong or string)) return new CelError($"unsupported map key type: {CelValues.TypeName(key)}");
            if (!entries.TryAdd(key, values[i])) return new CelError("repeated key in map literal");
        }
        return new CelMap(entries);
    }

    public object? this[object key] => _entries[key];
    public IEnumerable<object> Keys => _entries.Keys;
    public IEnumerable<object?> Values => _entries.Values;
    public int Count => _entries.Count;
    public bool ContainsKey(object key) => _entries.ContainsKey(key);
    public bool TryGetValue(object key, [MaybeNullWhen(false)] out object? value) => _entries.TryGetValue(key, out value);
    public IEnumerator<KeyValuePair<object, object?>> GetEnumerator() => _entries.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private sealed class KeyComparer : IEqualityComparer<object>
    {
        public static readonly KeyComparer Instance = new();

        public new bool Equals(object? x, object? y) => CelValues.Equal(x, y);

        // Numbers hash by their double value, so equal int, uint and double keys land together.
        public int GetHashCode(object obj) => obj switch
        {
            long l => ((double)l).GetHashCode(),
            ulong u => ((double)u).GetHashCode(),
            double d => d.GetHashCode(),
            string s => StringComparer.Ordinal.GetHashCode(s),
            _ => obj.GetHashCode(),
        };
    }
}
