using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Outcall.Http;
using Outcall.Tests.Http;

namespace Outcall.Tests.Security;

/// <summary>
/// Issue 4, item 3: the Http properties prove hostile bytes never throw and splits never change a
/// verdict; this adds that whatever the parser ACCEPTS, from mutated valid heads split arbitrarily, is
/// exactly what a naive reference reading of the same bytes holds (request line, every field in order
/// with OWS trimmed), and that accepted bytes contain no bare CR, bare LF or control byte.
/// </summary>
public sealed class ReferenceParseProperties
{
    private static readonly byte[] Hostile = [0x00, 0x01, 0x09, 0x0A, 0x0D, 0x20, 0x3A, 0x2C, 0x3B, 0x7F, 0x80, 0xFF, (byte)'0', (byte)'a', (byte)'\\', (byte)'#', (byte)'@'];

    private static readonly Gen<byte[]> MutatedHeads =
        from model in HeadModel.Generator
        from edits in Gen.ListOf(Gen.Zip(Gen.Choose(0, 10_000), Gen.Elements(Hostile)), 3)
        from insert in Gen.Elements(true, false)
        select HeadModel.Mutate(model.Write(), edits, insert);

    [Property(MaxTest = 1000)]
    public Property A_mutated_head_in_any_split_is_either_rejected_or_exactly_its_reference_reading() =>
        Prop.ForAll(MutatedHeads.ToArbitrary(), Gen.Choose(1, 64).ToArbitrary(), (bytes, piece) =>
        {
            HeadParseResult<RequestHead> result;
            var delivered = 0;
            do
            {
                delivered = Math.Min(bytes.Length, delivered + piece);
                result = RequestHeadParser.Parse(bytes.AsSpan(0, delivered), 64 * 1024);
            }
            while (result.Status == HeadParseStatus.NeedMoreData && delivered < bytes.Length);
            return result.Status != HeadParseStatus.Complete || MatchesReference(bytes.AsSpan(0, result.Consumed), result.Head!);
        });

    private static bool MatchesReference(ReadOnlySpan<byte> accepted, RequestHead head)
    {
        var text = Encoding.Latin1.GetString(accepted);
        if (!text.EndsWith("\r\n\r\n", StringComparison.Ordinal)) return false;
        var lines = text[..^4].Split("\r\n");
        if (lines.Any(l => l.Any(c => c is '\r' or '\n' or '\0' || (c < 0x20 && c != '\t') || c == 0x7F))) return false;
        var requestLine = lines[0].Split(' ');
        if (requestLine.Length != 3 || requestLine[0] != head.Method || requestLine[2] != $"HTTP/1.{head.VersionMinor}") return false;
        var expected = new List<HeaderField>();
        string? host = null;
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0) return false;
            var field = new HeaderField(line[..colon], line[(colon + 1)..].Trim(' ', '\t'));
            if (field.Name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                if (host is not null) continue; // identical duplicates collapse to the first (others are rejected)
                host = field.Value;
            }
            expected.Add(field);
        }
        return head.Headers.SequenceEqual(expected);
    }
}
