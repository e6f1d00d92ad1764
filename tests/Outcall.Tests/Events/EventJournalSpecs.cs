using Outcall.Events;

namespace Outcall.Tests.Events;

/// <summary>The in-memory ring of verdict events and its subscribers (issue 15): bounded, by id, never blocking a publisher.</summary>
public class EventJournalSpecs
{
    private static TrafficEvent Event(long id, string decision = TrafficEvent.Allow, string agent = "builder", string host = "api.test") =>
        new(id, DateTimeOffset.UtcNow, decision, "rule", "10.0.0.7", agent, "GET", host, 80, "/", "", "r", "rules.yaml", "rule r", 0);

    private static void Publish(EventJournal journal, string decision = TrafficEvent.Allow, string agent = "builder", string host = "api.test") =>
        journal.Append(Event(journal.NextId(), decision, agent, host));

    [Fact]
    public void It_keeps_only_the_last_buffer_events_oldest_first()
    {
        var journal = new EventJournal(3);
        for (var i = 0; i < 5; i++) Publish(journal);
        Assert.Equal([3L, 4L, 5L], journal.Recent(10).Select(e => e.Id));
        Assert.Equal([4L, 5L], journal.Recent(2).Select(e => e.Id));
    }

    [Fact]
    public void An_event_is_found_by_id_until_it_is_overwritten()
    {
        var journal = new EventJournal(2);
        Publish(journal);
        Assert.Equal(1, journal.Find(1)?.Id);
        Publish(journal);
        Publish(journal);
        Assert.Null(journal.Find(1));
        Assert.Equal(3, journal.Find(3)?.Id);
        Assert.Null(journal.Find(4));
    }

    [Fact]
    public void An_outcome_replaces_its_event_and_reaches_subscribers_as_the_same_id()
    {
        var journal = new EventJournal(4);
        using var subscription = journal.Subscribe(EventFilter.All, 8);
        Publish(journal);
        journal.RecordOutcome(1, new EventOutcome(200, 10, 20, 3, "completed"));
        Assert.Equal(200, journal.Find(1)?.Outcome?.Status);
        Assert.True(subscription.Reader.TryRead(out var verdict));
        Assert.True(subscription.Reader.TryRead(out var ended));
        Assert.Equal((1L, null, 1L, 20L), (verdict.Id, verdict.Outcome, ended.Id, ended.Outcome!.BytesDown));
    }

    [Fact]
    public void The_outcome_of_an_overwritten_event_changes_nothing_held()
    {
        var journal = new EventJournal(1);
        Publish(journal);
        Publish(journal);
        journal.RecordOutcome(1, new EventOutcome(200, 0, 0, 0, "completed"));
        Assert.Null(journal.Find(2)!.Outcome);
    }

    [Fact]
    public void Filters_match_agent_and_host_exactly_and_decision_in_any_case()
    {
        var journal = new EventJournal(10);
        Publish(journal, TrafficEvent.Allow, "builder", "a.test");
        Publish(journal, TrafficEvent.Block, "builder", "b.test");
        Publish(journal, TrafficEvent.Block, "ci", "A.test");
        Assert.Equal([2L, 3L], journal.Recent(10, new EventFilter(Decision: "block")).Select(e => e.Id));
        Assert.Equal([3L], journal.Recent(10, new EventFilter(Agent: "ci")).Select(e => e.Id));
        Assert.Equal([1L, 3L], journal.Recent(10, new EventFilter(Host: "a.test")).Select(e => e.Id));
    }

    [Fact]
    public void A_subscriber_that_falls_behind_loses_the_newest_events_and_is_told_how_many()
    {
        var journal = new EventJournal(100);
        using var subscription = journal.Subscribe(EventFilter.All, 2);
        for (var i = 0; i < 5; i++) Publish(journal);
        Assert.Equal(3, subscription.TakeLost());
        Assert.Equal(0, subscription.TakeLost());
        Assert.True(subscription.Reader.TryRead(out var first));
        Assert.True(subscription.Reader.TryRead(out var second));
        Assert.Equal((1L, 2L), (first.Id, second.Id));
        Assert.Equal(5, journal.Recent(100).Count);
    }

    [Fact]
    public async Task Stuck_subscribers_never_make_publishers_wait()
    {
        var journal = new EventJournal(1000);
        var stuck = Enumerable.Range(0, 5).Select(_ => journal.Subscribe(EventFilter.All, 16)).ToList();
        // Four publishers, 100,000 events, nobody reading: every publish returns; each stuck feed holds its 16.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 25_000; i++) Publish(journal);
        }))).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.All(stuck, s => Assert.Equal(100_000 - 16, s.TakeLost()));
        Assert.Equal(1000, journal.Recent(1000).Count);
        stuck.ForEach(s => s.Dispose());
        Assert.Equal(0, journal.SubscriberCount);
    }

    [Fact]
    public void A_subscriber_sees_only_what_its_filter_matches()
    {
        var journal = new EventJournal(10);
        using var blocks = journal.Subscribe(new EventFilter(Decision: TrafficEvent.Block), 8);
        Publish(journal, TrafficEvent.Allow);
        Publish(journal, TrafficEvent.Block);
        Assert.True(blocks.Reader.TryRead(out var e));
        Assert.Equal(2, e.Id);
        Assert.False(blocks.Reader.TryRead(out _));
    }
}
