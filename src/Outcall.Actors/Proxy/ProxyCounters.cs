namespace Outcall.Proxy;

/// <summary>Process-wide counters the health endpoint (FR-022) reports. Lock-free.</summary>
public sealed class ProxyCounters
{
    private long _activeConnections;
    private long _totalRequests;
    private long _totalBlocked;

    public long ActiveConnections => Interlocked.Read(ref _activeConnections);
    public long TotalRequests => Interlocked.Read(ref _totalRequests);
    public long TotalBlocked => Interlocked.Read(ref _totalBlocked);

    internal void ConnectionOpened() => Interlocked.Increment(ref _activeConnections);
    internal void ConnectionClosed() => Interlocked.Decrement(ref _activeConnections);
    internal void RequestJudged(bool blocked)
    {
        Interlocked.Increment(ref _totalRequests);
        if (blocked) Interlocked.Increment(ref _totalBlocked);
    }
}
