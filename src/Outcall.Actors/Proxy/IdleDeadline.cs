namespace Outcall.Proxy;

/// <summary>
/// A token cancelled once nothing moved for the idle timeout (FR-011), or when the caller's own token is. Progress only
/// stamps the time; the one timer, when it comes due early, waits out what is left of the timeout from the last stamp.
/// Re-arming a timer at every read and write (<see cref="CancellationTokenSource.CancelAfter(TimeSpan)"/>) took the
/// timer queue's lock each time: 3.5% of the CPU of a small GET relayed upstream.
/// </summary>
internal sealed class IdleDeadline : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;
    private readonly ITimer? _timer;
    private long _lastProgress;

    public IdleDeadline(TimeSpan timeout, CancellationToken cancellationToken, TimeProvider? time = null)
    {
        _source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _time = time ?? TimeProvider.System;
        _timeout = timeout;
        _lastProgress = _time.GetTimestamp();
        if (timeout == Timeout.InfiniteTimeSpan) return;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        _timer = _time.CreateTimer(static state => ((IdleDeadline)state!).OnDue(), this, timeout, Timeout.InfiniteTimeSpan);
    }

    public CancellationToken Token => _source.Token;

    /// <summary>Something moved: the timeout counts from now. Returns the token for the next read or write.</summary>
    public CancellationToken Progress()
    {
        Volatile.Write(ref _lastProgress, _time.GetTimestamp());
        return _source.Token;
    }

    /// <summary>Cancels now; safe after <see cref="Dispose"/> and from any thread.</summary>
    public void Cancel()
    {
        try
        {
            _source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The work it bounded already ended.
        }
    }

    public void Dispose()
    {
        _timer?.Dispose();
        _source.Dispose();
    }

    private void OnDue()
    {
        var quiet = _time.GetElapsedTime(Volatile.Read(ref _lastProgress));
        if (quiet >= _timeout)
        {
            Cancel();
            return;
        }
        try
        {
            _timer!.Change(_timeout - quiet, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // Disposed while it came due: nothing left to bound.
        }
    }
}
