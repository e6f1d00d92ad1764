using System.Threading.Channels;

namespace Outcall.Events;

/// <summary>
/// The node's last <c>outcall.events.buffer</c> verdict events and their live subscribers (issue 15).
/// Publishing is the request path's: an id from one Interlocked increment, one slot store in a ring, and
/// per subscriber one filter check and one non-blocking write to its bounded channel. A subscriber that
/// falls behind loses events, counted for it, and never makes a publisher wait.
/// <para>
/// Event <c>n</c> lives in slot <c>n % capacity</c>, so it is found by id in O(1); a slot holding another id
/// means the event has been overwritten. An outcome replaces its event in place when the event is still held.
/// </para>
/// </summary>
public sealed class EventJournal
{
    private readonly TrafficEvent?[] _slots;
    private readonly Lock _subscribing = new();
    private long _lastId;
    // Copy-on-write: publishers read the array without a lock; subscribing and leaving swap it under one.
    private Subscription[] _subscriptions = [];

    public EventJournal(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _slots = new TrafficEvent?[capacity];
    }

    public int Capacity => _slots.Length;

    /// <summary>The id the next event gets; take one, build the event with it, then <see cref="Append"/> it.</summary>
    public long NextId() => Interlocked.Increment(ref _lastId);

    /// <summary>Keeps the event (overwriting the oldest) and offers it to every subscriber whose filter matches.</summary>
    public void Append(TrafficEvent e)
    {
        Volatile.Write(ref _slots[SlotOf(e.Id)], e);
        Offer(e);
    }

    /// <summary>
    /// The outcome of the event <paramref name="id"/>: offered to subscribers as the event with its outcome,
    /// and kept in its place unless the event has already been overwritten.
    /// </summary>
    public void RecordOutcome(long id, EventOutcome outcome)
    {
        if (id <= 0) return;
        ref var slot = ref _slots[SlotOf(id)];
        var held = Volatile.Read(ref slot);
        if (held is null || held.Id != id) return;
        var ended = held with { Outcome = outcome };
        // Lost only to a newer event taking the slot, in which case the old one is gone anyway.
        Interlocked.CompareExchange(ref slot, ended, held);
        Offer(ended);
    }

    /// <summary>The event <paramref name="id"/>, or null when it is unknown or no longer held.</summary>
    public TrafficEvent? Find(long id)
    {
        if (id <= 0 || id > Volatile.Read(ref _lastId)) return null;
        var held = Volatile.Read(ref _slots[SlotOf(id)]);
        return held?.Id == id ? held : null;
    }

    /// <summary>Up to <paramref name="limit"/> of the newest events held that match, oldest first.</summary>
    public IReadOnlyList<TrafficEvent> Recent(int limit, EventFilter? filter = null)
    {
        filter ??= EventFilter.All;
        var found = new List<TrafficEvent>(Math.Min(Math.Max(limit, 0), _slots.Length));
        var last = Volatile.Read(ref _lastId);
        for (var id = last; id > 0 && id > last - _slots.Length && found.Count < limit; id--)
        {
            // An id taken but not yet appended, or already overwritten by a newer one, is skipped.
            if (Volatile.Read(ref _slots[SlotOf(id)]) is { } e && e.Id == id && filter.Matches(e)) found.Add(e);
        }
        found.Reverse();
        return found;
    }

    /// <summary>A live feed of the events (and outcomes) that match, from now on; dispose it to leave.</summary>
    /// <param name="capacity">How many events may wait for the reader before newer ones are dropped and counted.</param>
    public Subscription Subscribe(EventFilter filter, int capacity)
    {
        var subscription = new Subscription(this, filter, capacity);
        lock (_subscribing) _subscriptions = [.. _subscriptions, subscription];
        return subscription;
    }

    public int SubscriberCount => Volatile.Read(ref _subscriptions).Length;

    private void Leave(Subscription subscription)
    {
        lock (_subscribing) _subscriptions = _subscriptions.Where(s => !ReferenceEquals(s, subscription)).ToArray();
    }

    private void Offer(TrafficEvent e)
    {
        foreach (var subscription in Volatile.Read(ref _subscriptions))
            if (subscription.Filter.Matches(e)) subscription.Offer(e);
    }

    private int SlotOf(long id) => (int)(id % _slots.Length);

    /// <summary>One subscriber's bounded feed. A full feed drops the newest event and counts it in <see cref="TakeLost"/>.</summary>
    public sealed class Subscription : IDisposable
    {
        private readonly EventJournal _journal;
        private readonly Channel<TrafficEvent> _feed;
        private long _lost;

        internal Subscription(EventJournal journal, EventFilter filter, int capacity)
        {
            _journal = journal;
            Filter = filter;
            _feed = Channel.CreateBounded<TrafficEvent>(
                new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true, SingleWriter = false },
                _ => Interlocked.Increment(ref _lost));
        }

        public EventFilter Filter { get; }

        public ChannelReader<TrafficEvent> Reader => _feed.Reader;

        /// <summary>Events dropped since the last call, because this subscriber was behind.</summary>
        public long TakeLost() => Interlocked.Exchange(ref _lost, 0);

        internal void Offer(TrafficEvent e) => _feed.Writer.TryWrite(e);

        public void Dispose()
        {
            _journal.Leave(this);
            _feed.Writer.TryComplete();
        }
    }
}
