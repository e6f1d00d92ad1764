using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Outcall.Telemetry;

namespace Outcall.Upstream;

/// <summary>
/// Idle keep-alive connections to upstreams for plain HTTP, shared by all clients. Keyed by the
/// checked address and port, never by name, so a pooled connection can only be handed to a request
/// whose destination guard approved that very address. A connection comes back only after a complete,
/// cleanly framed exchange (the caller decides); it is bounded per destination and in total, expires
/// after the idle timeout, and is checked for a peer close or unsolicited bytes before it is lent out.
/// Thread-safe.
/// </summary>
public sealed class UpstreamPool : IDisposable
{
    private sealed record Idle(Socket Socket, long Since);

    private readonly UpstreamPoolSettings _settings;
    private readonly ProxyMetrics _metrics;
    private readonly Dictionary<IPEndPoint, LinkedList<Idle>> _idle = new();
    private readonly Lock _gate = new();
    private readonly Timer _sweeper;
    private int _count;
    private bool _disposed;

    public UpstreamPool(UpstreamPoolSettings settings, ProxyMetrics metrics)
    {
        _settings = settings;
        _metrics = metrics;
        var period = TimeSpan.FromMilliseconds(Math.Max(100, settings.IdleTimeout.TotalMilliseconds / 2));
        _sweeper = new Timer(_ => Sweep(), null, period, period);
    }

    public int IdleCount
    {
        get { lock (_gate) return _count; }
    }

    /// <summary>
    /// A live idle connection to one of the checked endpoints (most recently used first), or null.
    /// Connections found closed by the peer are discarded before any byte is written to them: each such
    /// discard is an eviction (metrics); no request was retried, none had been sent.
    /// </summary>
    public (Socket Socket, IPEndPoint Endpoint)? Rent(IReadOnlyList<IPEndPoint> checkedEndpoints)
    {
        if (!_settings.Enabled) return null;
        foreach (var endpoint in checkedEndpoints)
        {
            while (TakeNewest(endpoint) is { } socket)
            {
                if (IsReusable(socket))
                {
                    _metrics.PoolHit();
                    return (socket, endpoint);
                }
                _metrics.PoolEviction();
                socket.Dispose();
            }
        }
        _metrics.PoolMiss();
        return null;
    }

    /// <summary>Gives back a connection whose last exchange completed cleanly. Closes it if the pool is full.</summary>
    public void Return(Socket socket, IPEndPoint endpoint)
    {
        if (!_settings.Enabled || !IsReusable(socket))
        {
            socket.Dispose();
            return;
        }
        List<Socket> evicted = [];
        lock (_gate)
        {
            if (_disposed)
            {
                evicted.Add(socket);
            }
            else
            {
                if (!_idle.TryGetValue(endpoint, out var list)) _idle[endpoint] = list = new LinkedList<Idle>();
                list.AddFirst(new Idle(socket, Stopwatch.GetTimestamp()));
                _count++;
                if (list.Count > _settings.MaxIdlePerDestination) evicted.Add(RemoveOldest(endpoint, list));
                while (_count > _settings.MaxIdleTotal) evicted.Add(RemoveOldestAnywhere());
            }
        }
        foreach (var closed in evicted)
        {
            _metrics.PoolEviction();
            closed.Dispose();
        }
    }

    public void Dispose()
    {
        _sweeper.Dispose();
        List<Socket> all;
        lock (_gate)
        {
            _disposed = true;
            all = _idle.Values.SelectMany(l => l).Select(i => i.Socket).ToList();
            _idle.Clear();
            _count = 0;
        }
        foreach (var socket in all) socket.Dispose();
    }

    private Socket? TakeNewest(IPEndPoint endpoint)
    {
        lock (_gate)
        {
            if (!_idle.TryGetValue(endpoint, out var list) || list.Count == 0) return null;
            var newest = list.First!.Value;
            list.RemoveFirst();
            _count--;
            if (list.Count == 0) _idle.Remove(endpoint);
            if (Stopwatch.GetElapsedTime(newest.Since) <= _settings.IdleTimeout) return newest.Socket;
            // The newest is expired, so everything older is too: drop them all.
            newest.Socket.Dispose();
            _metrics.PoolEviction();
            if (_idle.Remove(endpoint, out var stale))
            {
                foreach (var idle in stale)
                {
                    idle.Socket.Dispose();
                    _metrics.PoolEviction();
                }
                _count -= stale.Count;
            }
            return null;
        }
    }

    private Socket RemoveOldest(IPEndPoint endpoint, LinkedList<Idle> list)
    {
        var oldest = list.Last!.Value;
        list.RemoveLast();
        _count--;
        if (list.Count == 0) _idle.Remove(endpoint);
        return oldest.Socket;
    }

    private Socket RemoveOldestAnywhere()
    {
        var (endpoint, list) = _idle.MinBy(pair => pair.Value.Last!.Value.Since);
        return RemoveOldest(endpoint, list);
    }

    private void Sweep()
    {
        List<Socket> expired = [];
        lock (_gate)
        {
            foreach (var (endpoint, list) in _idle.ToList())
            {
                while (list.Last is { } last && Stopwatch.GetElapsedTime(last.Value.Since) > _settings.IdleTimeout)
                {
                    list.RemoveLast();
                    _count--;
                    expired.Add(last.Value.Socket);
                }
                if (list.Count == 0) _idle.Remove(endpoint);
            }
        }
        foreach (var socket in expired)
        {
            _metrics.PoolEviction();
            socket.Dispose();
        }
    }

    /// <summary>Idle means silent: readable now is either the peer's close or bytes nobody asked for.</summary>
    private static bool IsReusable(Socket socket)
    {
        try
        {
            return socket.Connected && !socket.Poll(0, SelectMode.SelectRead);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }
}
