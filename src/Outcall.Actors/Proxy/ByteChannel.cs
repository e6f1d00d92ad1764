using System.Buffers;
using System.Net.Sockets;

namespace Outcall.Proxy;

/// <summary>
/// One side of a relayed connection as the HTTP code sees it: bytes in, bytes out. A plain connection is its
/// socket (<see cref="SocketChannel"/>, the same calls the relay always made); inside an intercepted tunnel it
/// is the decrypted TLS stream (<see cref="StreamChannel"/>), so one HTTP/1.1 implementation serves both.
/// Failures surface as <see cref="SocketException"/> or <see cref="IOException"/>.
/// </summary>
internal abstract class ByteChannel
{
    private long _bytesSent;

    /// <summary>Bytes accepted by the transport so far: a request that moved this may have reached the peer.</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>Reads once; 0 means the peer closed its sending side.</summary>
    public abstract ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken);

    /// <summary>Writes all of <paramref name="bytes"/>.</summary>
    public abstract ValueTask SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken);

    /// <summary>Writes the segments (<paramref name="total"/> bytes) as one write where the transport allows.</summary>
    public abstract ValueTask SendAsync(ArraySegment<byte>[] segments, int total, CancellationToken cancellationToken);

    /// <summary>Ends our sending side the way the protocol says so (TLS close_notify); a socket's is left to its close.</summary>
    public virtual ValueTask CloseOutputAsync() => ValueTask.CompletedTask;

    protected void Sent(int count) => Interlocked.Add(ref _bytesSent, count);
}

/// <summary>A plain TCP connection.</summary>
internal sealed class SocketChannel(Socket socket) : ByteChannel
{
    public Socket Socket { get; } = socket;

    public override ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
        Socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);

    public override async ValueTask SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        while (!bytes.IsEmpty)
        {
            var sent = await Socket.SendAsync(bytes, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            Sent(sent);
            bytes = bytes[sent..];
        }
    }

    public override async ValueTask SendAsync(ArraySegment<byte>[] segments, int total, CancellationToken cancellationToken)
    {
        // Socket's gathered send takes no token; the caller's idle timer closes the socket instead.
        var sent = await Socket.SendAsync(segments, SocketFlags.None).ConfigureAwait(false);
        Sent(sent);
        if (sent != total) throw new IOException("short write");
    }
}

/// <summary>A stream over a connection: the decrypted side of an intercepted TLS session.</summary>
internal sealed class StreamChannel(Stream stream) : ByteChannel
{
    public Stream Stream { get; } = stream;

    public override ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
        Stream.ReadAsync(buffer, cancellationToken);

    public override async ValueTask SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        await Stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        Sent(bytes.Length);
    }

    public override async ValueTask SendAsync(ArraySegment<byte>[] segments, int total, CancellationToken cancellationToken)
    {
        // One write, so a chunk's header, data and CRLF travel in as few TLS records as the data needs.
        var joined = ArrayPool<byte>.Shared.Rent(total);
        try
        {
            var offset = 0;
            foreach (var segment in segments)
            {
                segment.AsSpan().CopyTo(joined.AsSpan(offset));
                offset += segment.Count;
            }
            await Stream.WriteAsync(joined.AsMemory(0, total), cancellationToken).ConfigureAwait(false);
            Sent(total);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(joined);
        }
    }

    public override async ValueTask CloseOutputAsync()
    {
        if (Stream is System.Net.Security.SslStream tls) await tls.ShutdownAsync().ConfigureAwait(false);
    }
}
