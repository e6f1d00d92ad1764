using System.Net.Sockets;
using Outcall.Tests.Tls;

namespace Outcall.Tests.Security;

/// <summary>
/// A client-side stream that re-frames the first TLS flight (the ClientHello) into records of
/// <c>recordSize</c> bytes and sends it one byte per TCP segment (Nagle off), the worst case a peek
/// must reassemble. Everything after it passes through unchanged.
/// </summary>
internal sealed class FragmentingStream(Socket socket, int recordSize) : Stream
{
    private readonly NetworkStream _inner = new(socket, ownsSocket: true);
    private bool _helloSent;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_helloSent)
        {
            await _inner.WriteAsync(buffer, cancellationToken);
            return;
        }
        _helloSent = true;
        var fragmented = HelloBytes.Reframe(buffer.ToArray(), recordSize);
        for (var i = 0; i < fragmented.Length; i++) await socket.SendAsync(fragmented.AsMemory(i, 1), SocketFlags.None, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _inner.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _inner.ReadAsync(buffer, offset, count, cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _inner.Dispose();
        base.Dispose(disposing);
    }
}
