using Outcall.Http;

namespace Outcall.Tests.Http;

/// <summary>Drives a ChunkedDecoder over input delivered in pieces, as a socket would.</summary>
internal static class ChunkedBody
{
    public sealed record Outcome(ChunkedStatus Status, byte[] Data, int Consumed, string? Error);

    /// <summary>Feeds <paramref name="input"/> in pieces of the given sizes (cycled; 0 means the rest).</summary>
    public static Outcome Decode(byte[] input, params int[] pieceSizes)
    {
        var decoder = new ChunkedDecoder();
        var data = new List<byte>();
        var delivered = 0;
        var position = 0;
        var piece = 0;
        while (true)
        {
            if (position == delivered)
            {
                if (delivered == input.Length) return new Outcome(ChunkedStatus.NeedMoreData, [.. data], position, null);
                var size = pieceSizes.Length == 0 || pieceSizes[piece % pieceSizes.Length] <= 0 ? input.Length - delivered : pieceSizes[piece % pieceSizes.Length];
                piece++;
                delivered = Math.Min(input.Length, delivered + size);
            }
            var window = input.AsSpan(position, delivered - position);
            var status = decoder.Decode(window, out var consumed, out var offset, out var length);
            Assert.InRange(consumed, 0, window.Length);
            switch (status)
            {
                case ChunkedStatus.Data:
                    Assert.True(length > 0 && offset >= 0 && offset + length <= consumed);
                    data.AddRange(window.Slice(offset, length).ToArray());
                    position += consumed;
                    break;
                case ChunkedStatus.NeedMoreData:
                    Assert.Equal(window.Length, consumed);
                    position += consumed;
                    break;
                case ChunkedStatus.Completed:
                    return new Outcome(status, [.. data], position + consumed, null);
                default:
                    Assert.False(string.IsNullOrEmpty(decoder.Error));
                    return new Outcome(status, [.. data], position + consumed, decoder.Error);
            }
        }
    }

    /// <summary>Encodes with ChunkedEncoder, one chunk per given size.</summary>
    public static byte[] Encode(byte[] body, IEnumerable<int> chunkSizes)
    {
        var output = new List<byte>();
        Span<byte> header = stackalloc byte[16];
        var offset = 0;
        foreach (var size in chunkSizes)
        {
            var length = Math.Min(size, body.Length - offset);
            if (length <= 0) break;
            output.AddRange(header[..ChunkedEncoder.WriteChunkHeader(header, length)].ToArray());
            output.AddRange(body.AsSpan(offset, length).ToArray());
            output.AddRange(ChunkedEncoder.ChunkEnd.ToArray());
            offset += length;
        }
        if (offset < body.Length)
        {
            output.AddRange(header[..ChunkedEncoder.WriteChunkHeader(header, body.Length - offset)].ToArray());
            output.AddRange(body.AsSpan(offset).ToArray());
            output.AddRange(ChunkedEncoder.ChunkEnd.ToArray());
        }
        output.AddRange(ChunkedEncoder.LastChunk.ToArray());
        return [.. output];
    }
}
