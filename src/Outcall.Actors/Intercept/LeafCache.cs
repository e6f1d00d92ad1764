using Akka.Event;

namespace Outcall.Intercept;

/// <summary>
/// The leaves in use, one per host (S011-FR-006/FR-021, EC-008): a least-recently-used set of at most
/// <c>leaf-cache</c> entries; a leaf past its renewal time is minted again. Concurrent requests for a host
/// not yet cached wait for one mint. Eviction only drops the lookup entry: a handshake holding a leaf keeps it.
/// Each mint logs one "leaf generated" event. Thread-safe.
/// </summary>
public sealed class LeafCache
{
    private readonly LeafMinter _minter;
    private readonly ILoggingAdapter _log;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, LinkedListNode<Slot>> _slots;
    // Most recently used first.
    private readonly LinkedList<Slot> _recency = new();

    /// <summary>A host's leaf, minted on first use by whichever caller gets there first; the others wait on it.</summary>
    private sealed class Slot(string host, Func<string, InterceptLeaf> mint)
    {
        public string Host { get; } = host;
        public Lazy<InterceptLeaf> Leaf { get; } = new(() => mint(host), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public int Capacity { get; }

    public LeafCache(LeafMinter minter, int capacity, ILoggingAdapter log, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(minter);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _minter = minter;
        Capacity = capacity;
        _log = log;
        _time = time ?? TimeProvider.System;
        _slots = new Dictionary<string, LinkedListNode<Slot>>(StringComparer.Ordinal);
    }

    /// <summary>How many hosts have a leaf (or one being minted); what `ca status` reports.</summary>
    public int Count
    {
        get { lock (_gate) return _slots.Count; }
    }

    /// <summary>The leaf for <paramref name="host"/>, minted if there is none or it is due for renewal.</summary>
    /// <exception cref="LeafMintingException">No leaf can be made for this host; nothing is cached for it.</exception>
    public InterceptLeaf Get(string host)
    {
        var key = LeafMinter.Normalize(host);
        Slot slot;
        lock (_gate)
        {
            if (_slots.TryGetValue(key, out var node) && !IsDue(node.Value))
            {
                _recency.Remove(node);
                _recency.AddFirst(node);
                slot = node.Value;
            }
            else
            {
                if (node is not null) _recency.Remove(node);
                slot = new Slot(key, MintAndLog);
                _slots[key] = _recency.AddFirst(slot);
                if (_slots.Count > Capacity)
                {
                    var oldest = _recency.Last!;
                    _recency.RemoveLast();
                    _slots.Remove(oldest.Value.Host);
                }
            }
        }
        try
        {
            return slot.Leaf.Value;
        }
        catch
        {
            // A failed mint is not cached: the next connection to the host tries again.
            lock (_gate)
            {
                if (_slots.TryGetValue(key, out var node) && ReferenceEquals(node.Value, slot))
                {
                    _recency.Remove(node);
                    _slots.Remove(key);
                }
            }
            throw;
        }
    }

    private bool IsDue(Slot slot) => slot.Leaf.IsValueCreated && _time.GetUtcNow() >= slot.Leaf.Value.RenewAt;

    private InterceptLeaf MintAndLog(string host)
    {
        var leaf = _minter.Mint(host);
        _log.Info("TLS interception: leaf generated for {Host}, valid until {NotAfter}", host, leaf.NotAfter);
        return leaf;
    }
}
