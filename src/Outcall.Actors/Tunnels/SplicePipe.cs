using System.Runtime.InteropServices;

namespace Outcall.Tunnels;

/// <summary>
/// A kernel pipe that tunnel bytes pass through on their way from one socket to the other. It belongs
/// to the chunk that carries its bytes; once the sink emptied it, it goes back to its pool. One dropped
/// by an aborted stream, still holding bytes, is closed by the finalizer, never reused.
/// </summary>
internal sealed class SplicePipe : SafeHandle
{
    private readonly SplicePipes _pool;

    public SplicePipe(SplicePipes pool, int readEnd, int writeEnd) : base(-1, ownsHandle: true)
    {
        _pool = pool;
        SetHandle(readEnd);
        WriteEnd = writeEnd;
    }

    public int ReadEnd => (int)handle;

    public int WriteEnd { get; }

    public override bool IsInvalid => handle == -1;

    /// <summary>Back to the pool: only an empty pipe, so the next tunnel reads none of this one's bytes.</summary>
    public void Recycle() => _pool.Return(this);

    protected override bool ReleaseHandle()
    {
        Splice.ClosePipeEnd(ReadEnd);
        Splice.ClosePipeEnd(WriteEnd);
        _pool.Forget();
        return true;
    }
}
