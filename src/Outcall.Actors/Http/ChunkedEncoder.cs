namespace Outcall.Http;

public static class ChunkedEncoder
{
    /// <summary>Writes "{length:x}\r\n" into destination and returns the bytes written (length > 0).</summary>
    public static int WriteChunkHeader(Span<byte> destination, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        if (!length.TryFormat(destination, out var written, "x") || destination.Length < written + 2)
            throw new ArgumentException("destination too small for a chunk header", nameof(destination));
        destination[written] = (byte)'\r';
        destination[written + 1] = (byte)'\n';
        return written + 2;
    }

    public static ReadOnlySpan<byte> ChunkEnd => "\r\n"u8;
    public static ReadOnlySpan<byte> LastChunk => "0\r\n\r\n"u8;
}
