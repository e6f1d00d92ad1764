using System.Buffers;

namespace Outcall.Tunnels;

/// <summary>
/// Bytes moving through a tunnel: the first Length bytes of Array, or, on a spliced tunnel, Length bytes
/// waiting in Pipe (Array null). A pooled array belongs to the chunk until the sink has written it and
/// gives it back; a chunk dropped by an aborted stream is left to the GC, never returned while a socket
/// operation might still touch it.
/// </summary>
internal readonly record struct TunnelChunk(byte[] Array, int Length, bool Pooled, SplicePipe? Pipe = null)
{
    public ReadOnlyMemory<byte> Memory => Array.AsMemory(0, Length);

    public static TunnelChunk InPipe(SplicePipe pipe, int length) => new(null!, length, Pooled: false, pipe);

    public void Release()
    {
        if (Pooled) ArrayPool<byte>.Shared.Return(Array);
    }
}
