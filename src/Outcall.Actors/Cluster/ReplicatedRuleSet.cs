using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Outcall.Rules;

namespace Outcall.Cluster;

/// <summary>
/// What a cluster replicates: a rule set's source files, their content hash, when and where it was
/// loaded. Receivers compile the files themselves; compiled rules never travel.
/// </summary>
public sealed record ReplicatedRuleSet(IReadOnlyList<RuleFile> Files, string ContentHash, DateTimeOffset LoadedAt, string Origin)
{
    /// <summary>Most bytes a payload may expand to: bounds what a hostile or corrupt payload can make a node allocate.</summary>
    public const int MaxDecodedBytes = 32 * 1024 * 1024;

    private static readonly byte[] Magic = "OCR1"u8.ToArray();
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>"OCR1", then GZip of: hash, load time (UTC ticks), origin, file count, then each name and content (int32 length-prefixed UTF-8).</summary>
    public byte[] Encode()
    {
        var output = new MemoryStream();
        output.Write(Magic);
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            WriteString(gzip, ContentHash);
            WriteInt64(gzip, LoadedAt.UtcTicks);
            WriteString(gzip, Origin);
            WriteInt32(gzip, Files.Count);
            foreach (var file in Files)
            {
                WriteString(gzip, file.Name);
                WriteString(gzip, file.Content);
            }
        }
        return output.ToArray();
    }

    /// <summary>Reads a payload made by <see cref="Encode"/>; anything else is a <see cref="FormatException"/>, never another exception.</summary>
    public static ReplicatedRuleSet Decode(byte[] payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        if (payload.Length < Magic.Length || !payload.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new FormatException("not an Outcall rule set payload");
        var reader = new Reader(Decompress(payload));
        var hash = reader.String();
        var ticks = reader.Int64();
        if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks) throw new FormatException("load time out of range");
        var origin = reader.String();
        var count = reader.Int32();
        // Each file takes at least its two length prefixes, so the count cannot claim more than the bytes hold.
        if (count < 0 || count > reader.Remaining / 8) throw new FormatException("file count out of range");
        var files = new List<RuleFile>(count);
        for (var i = 0; i < count; i++) files.Add(new RuleFile(reader.String(), reader.String()));
        if (reader.Remaining != 0) throw new FormatException("trailing bytes after the last file");
        return new ReplicatedRuleSet(files, hash, new DateTimeOffset(ticks, TimeSpan.Zero), origin);
    }

    private static byte[] Decompress(byte[] payload)
    {
        try
        {
            using var gzip = new GZipStream(new MemoryStream(payload, Magic.Length, payload.Length - Magic.Length), CompressionMode.Decompress);
            var output = new MemoryStream();
            var buffer = new byte[81920];
            int read;
            while ((read = gzip.Read(buffer)) > 0)
            {
                if (output.Length + read > MaxDecodedBytes) throw new FormatException($"payload expands to more than {MaxDecodedBytes} bytes");
                output.Write(buffer, 0, read);
            }
            return output.ToArray();
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            throw new FormatException("payload is not valid GZip");
        }
    }

    private static void WriteString(Stream stream, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        WriteInt32(stream, bytes.Length);
        stream.Write(bytes);
    }

    private static void WriteInt32(Stream stream, int value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        stream.Write(bytes);
    }

    private static void WriteInt64(Stream stream, long value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
        stream.Write(bytes);
    }

    /// <summary>Bounds-checked reads over the decompressed bytes.</summary>
    private sealed class Reader(byte[] bytes)
    {
        private int _position;

        public int Remaining => bytes.Length - _position;

        public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

        public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

        public string String()
        {
            var length = Int32();
            if (length < 0 || length > Remaining) throw new FormatException("string length out of range");
            try
            {
                return StrictUtf8.GetString(Take(length));
            }
            catch (DecoderFallbackException)
            {
                throw new FormatException("string is not valid UTF-8");
            }
        }

        private ReadOnlySpan<byte> Take(int count)
        {
            if (count > Remaining) throw new FormatException("payload ends early");
            var span = bytes.AsSpan(_position, count);
            _position += count;
            return span;
        }
    }
}
