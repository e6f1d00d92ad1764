namespace Outcall.Tunnels;

/// <summary>Bytes a tunnel carried, readable while it runs.</summary>
public sealed class TunnelTraffic
{
    private long _up;
    private long _down;
    public long BytesUp => Interlocked.Read(ref _up);
    public long BytesDown => Interlocked.Read(ref _down);
    internal void AddUp(int count) => Interlocked.Add(ref _up, count);
    internal void AddDown(int count) => Interlocked.Add(ref _down, count);
}
