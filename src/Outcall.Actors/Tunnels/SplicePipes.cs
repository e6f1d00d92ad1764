using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Outcall.Tunnels;

/// <summary>
/// The pipes of spliced tunnels, at most <see cref="Budget"/> open at once (two descriptors each, which the
/// listener keeps out of its connection budget). A pipe is held only while bytes are in it: from the
/// source's splice in to the sink's splice out, which follows in the same run of the stream's
/// interpreter. So an idle tunnel holds none, and a few pipes serve many busy tunnels. With none free
/// a read takes the copying path instead: slower, never refused.
/// </summary>
internal sealed class SplicePipes(int budget)
{
    private readonly ConcurrentQueue<SplicePipe> _free = new();
    private int _open;

    public int Budget { get; } = budget;

    /// <summary>Pipes open now, free or in use.</summary>
    public int Open => Volatile.Read(ref _open);

    /// <summary>Pipes open and waiting in the pool, empty.</summary>
    internal int Free => _free.Count;

    public bool TryRent([NotNullWhen(true)] out SplicePipe? pipe)
    {
        if (_free.TryDequeue(out pipe)) return true;
        if (Interlocked.Increment(ref _open) <= Budget && Splice.TryCreatePipe(out var readEnd, out var writeEnd))
        {
            pipe = new SplicePipe(this, readEnd, writeEnd);
            return true;
        }
        Interlocked.Decrement(ref _open);
        return false;
    }

    internal void Return(SplicePipe pipe) => _free.Enqueue(pipe);

    internal void Forget() => Interlocked.Decrement(ref _open);
}
