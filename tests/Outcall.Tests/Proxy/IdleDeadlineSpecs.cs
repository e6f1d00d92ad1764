using Microsoft.Extensions.Time.Testing;
using Outcall.Proxy;

namespace Outcall.Tests.Proxy;

/// <summary>FR-011: the idle timeout of a relayed exchange counts from the last read or write, not from its start.</summary>
public sealed class IdleDeadlineSpecs
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void The_token_is_cancelled_once_the_timeout_passes_without_progress_FR011()
    {
        using var deadline = new IdleDeadline(Timeout, CancellationToken.None, _time);

        _time.Advance(Timeout - TimeSpan.FromMilliseconds(1));
        Assert.False(deadline.Token.IsCancellationRequested);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(deadline.Token.IsCancellationRequested);
    }

    [Fact]
    public void Progress_makes_the_timeout_count_from_the_last_progress_FR011()
    {
        using var deadline = new IdleDeadline(Timeout, CancellationToken.None, _time);

        _time.Advance(TimeSpan.FromSeconds(6));
        deadline.Progress();
        _time.Advance(TimeSpan.FromSeconds(6));
        Assert.False(deadline.Token.IsCancellationRequested);
        _time.Advance(TimeSpan.FromSeconds(4) - TimeSpan.FromMilliseconds(1));
        Assert.False(deadline.Token.IsCancellationRequested);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(deadline.Token.IsCancellationRequested);
    }

    [Fact]
    public void Steady_progress_keeps_the_token_alive_indefinitely_FR011()
    {
        using var deadline = new IdleDeadline(Timeout, CancellationToken.None, _time);

        for (var step = 0; step < 100; step++)
        {
            _time.Advance(TimeSpan.FromSeconds(3));
            deadline.Progress();
        }
        Assert.False(deadline.Token.IsCancellationRequested);
    }

    [Fact]
    public void The_callers_token_cancels_it_at_once()
    {
        using var caller = new CancellationTokenSource();
        using var deadline = new IdleDeadline(Timeout, caller.Token, _time);

        caller.Cancel();

        Assert.True(deadline.Token.IsCancellationRequested);
    }

    [Fact]
    public void Cancel_after_dispose_is_harmless()
    {
        var deadline = new IdleDeadline(Timeout, CancellationToken.None, _time);
        deadline.Dispose();

        Assert.Null(Record.Exception(() =>
        {
            deadline.Cancel();
            _time.Advance(Timeout * 2);
        }));
    }

    [Fact]
    public void An_infinite_timeout_never_cancels()
    {
        using var deadline = new IdleDeadline(System.Threading.Timeout.InfiniteTimeSpan, CancellationToken.None, _time);

        _time.Advance(TimeSpan.FromDays(30));

        Assert.False(deadline.Token.IsCancellationRequested);
    }
}
