using System.Buffers;

namespace Outcall.Proxy;

/// <summary>
/// Bytes read from one connection and not yet consumed. Heads are parsed in place; body bytes are relayed
/// from here before any further read, so the bound on what one connection buffers is this array.
/// The array is rented at the first read and given back when everything is handed to a tunnel, so a
/// connection that became a tunnel (or never read) holds none (idle tunnels are cheap).
/// </summary>
internal sealed class ConnectionBuffer(int capacity) : IDisposable
{
    private readonly int _capacity = capacity;
    private byte[] _array = [];
    private int _start;
    private int _end;

    public int Count => _end - _start;
    public bool IsFull => Count == Math.Max(_array.Length, _capacity);
    public ReadOnlySpan<byte> Span => _array.AsSpan(_start, Count);
    public ReadOnlyMemory<byte> Memory => _array.AsMemory(_start, Count);
    public ArraySegment<byte> Segment(int offset, int count) => new(_array, _start + offset, count);

    public void Consume(int count)
    {
        _start += count;
        if (_start == _end) _start = _end = 0;
    }

    /// <summary>Takes everything buffered as a fresh array (handing leftovers to a tunnel) and gives the buffer back.</summary>
    public byte[] TakeAll()
    {
        var bytes = Span.ToArray();
        _start = _end = 0;
        Release();
        return bytes;
    }

    /// <summary>Reads once from the channel; 0 means the peer closed its sending side.</summary>
    public async ValueTask<int> FillAsync(ByteChannel channel, CancellationToken cancellationToken)
    {
        if (_array.Length == 0) _array = ArrayPool<byte>.Shared.Rent(_capacity);
        if (_start > 0 && (_end == _array.Length || _start == _end))
        {
            Buffer.BlockCopy(_array, _start, _array, 0, Count);
            _end -= _start;
            _start = 0;
        }
        if (_end == _array.Length) throw new InvalidOperationException("buffer full");
        var read = await channel.ReceiveAsync(_array.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        _end += read;
        return read;
    }

    public void Dispose() => Release();

    private void Release()
    {
        var array = Interlocked.Exchange(ref _array, []);
        if (array.Length > 0) ArrayPool<byte>.Shared.Return(array);
    }
}
