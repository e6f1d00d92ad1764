using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Outcall.Http;

namespace Outcall.Tests.Http;

/// <summary>Properties over generated and hostile input for the head parsers and the chunked codec.</summary>
public class HeadParserProperties
{
    private static readonly byte[] Interesting = [0x00, 0x01, 0x09, 0x0A, 0x0D, 0x20, 0x3A, 0x2C, 0x3B, 0x7F, 0x80, 0xFF, (byte)'0', (byte)'a'];

    /// <summary>Random bytes, and valid heads with bytes replaced or inserted from a hostile alphabet.</summary>
    private static readonly Gen<byte[]> HostileBytes = Gen.OneOf(
        Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b)),
        from model in HeadModel.Generator
        from edits in Gen.ListOf(Gen.Zip(Gen.Choose(0, 10_000), Gen.Elements(Interesting)), 6)
        from insert in Gen.Elements(true, false)
        select HeadModel.Mutate(model.Write(), edits, insert));

    private static bool IsWellFormedResult<T>(HeadParseResult<T> result, int length) where T : class => result.Status switch
    {
        HeadParseStatus.NeedMoreData => result.Head is null,
        HeadParseStatus.Complete => result.Head is not null && result.Consumed > 0 && result.Consumed <= length,
        HeadParseStatus.Error => result.StatusCode is >= 400 and < 600 && !string.IsNullOrEmpty(result.Reason),
        _ => false,
    };

    [Property(MaxTest = 500)]
    public Property Arbitrary_bytes_never_throw_from_the_request_parser() =>
        Prop.ForAll(HostileBytes.ToArbitrary(), bytes =>
            IsWellFormedResult(RequestHeadParser.Parse(bytes, 8192), bytes.Length)
            && IsWellFormedResult(RequestHeadParser.Parse(bytes, 64), bytes.Length));

    [Property(MaxTest = 300)]
    public Property Arbitrary_bytes_never_throw_from_the_response_parser() =>
        Prop.ForAll(HostileBytes.ToArbitrary(), bytes =>
            IsWellFormedResult(ResponseHeadParser.Parse(bytes, 8192, "GET"), bytes.Length)
            && IsWellFormedResult(ResponseHeadParser.Parse(bytes, 8192, "HEAD"), bytes.Length));

    [Property(MaxTest = 300)]
    public Property Arbitrary_bytes_never_throw_from_the_chunked_decoder() =>
        Prop.ForAll(HostileBytes.ToArbitrary(), Gen.Choose(1, 9).ToArbitrary(), (bytes, piece) =>
        {
            var outcome = ChunkedBody.Decode(bytes, piece);
            return outcome.Consumed <= bytes.Length;
        });

    [Property(MaxTest = 300)]
    public Property A_generated_head_parses_back_to_exactly_its_fields() =>
        Prop.ForAll(HeadModel.Generator.ToArbitrary(), model =>
        {
            var bytes = model.Write();
            var result = RequestHeadParser.Parse(bytes, 64 * 1024);
            var head = result.Head;
            return result.Status == HeadParseStatus.Complete && result.Consumed == bytes.Length && head is not null
                   && head.Method == model.Method && head.PathAndQuery == model.PathAndQuery && head.VersionMinor == model.VersionMinor
                   && head.Authority == model.Authority.ToLowerInvariant() && head.Framing == model.Framing && head.ContentLength == model.ContentLength
                   && head.Headers.SequenceEqual(model.ExpectedFields);
        });

    [Property(MaxTest = 200)]
    public Property A_head_split_anywhere_parses_as_in_one_piece() =>
        Prop.ForAll(HeadModel.Generator.ToArbitrary(), Gen.ListOf(Gen.Choose(1, 40), 30).ToArbitrary(), (model, pieces) =>
        {
            var bytes = model.Write();
            var whole = RequestHeadParser.Parse(bytes, 64 * 1024);
            // One scan for all the reads, as the connection keeps it: each call resumes where the last stopped.
            var scan = new RequestHeadScan();
            var delivered = 0;
            foreach (var piece in pieces.Append(bytes.Length))
            {
                delivered = Math.Min(bytes.Length, delivered + piece);
                var partial = RequestHeadParser.Parse(bytes.AsSpan(0, delivered), 64 * 1024, scan);
                if (delivered < bytes.Length && partial.Status != HeadParseStatus.NeedMoreData) return false;
                if (delivered == bytes.Length)
                    return partial.Status == whole.Status && partial.Consumed == whole.Consumed
                           && partial.Head!.Headers.SequenceEqual(whole.Head!.Headers);
            }
            return false;
        });

    [Property(MaxTest = 200)]
    public Property A_hostile_head_split_anywhere_gets_the_same_verdict_as_in_one_piece() =>
        Prop.ForAll(HostileBytes.ToArbitrary(), Gen.Choose(1, 16).ToArbitrary(), (bytes, piece) =>
        {
            var whole = RequestHeadParser.Parse(bytes, 8192);
            var scan = new RequestHeadScan();
            for (var delivered = piece; ; delivered += piece)
            {
                var partial = RequestHeadParser.Parse(bytes.AsSpan(0, Math.Min(delivered, bytes.Length)), 8192, scan);
                if (partial.Status != HeadParseStatus.NeedMoreData)
                    return partial.Status == whole.Status && partial.StatusCode == whole.StatusCode && partial.Consumed == whole.Consumed;
                if (delivered >= bytes.Length) return whole.Status == HeadParseStatus.NeedMoreData;
            }
        });

    [Property(MaxTest = 200)]
    public Property A_scan_reset_after_a_head_parses_the_next_head_as_a_fresh_one() =>
        Prop.ForAll(HeadModel.Generator.ToArbitrary(), HeadModel.Generator.ToArbitrary(), Gen.Choose(1, 9).ToArbitrary(), (first, second, piece) =>
        {
            var scan = new RequestHeadScan();
            foreach (var bytes in new[] { first.Write(), second.Write() })
            {
                var whole = RequestHeadParser.Parse(bytes, 64 * 1024);
                HeadParseResult<RequestHead> partial;
                var delivered = 0;
                do
                {
                    delivered = Math.Min(bytes.Length, delivered + piece);
                    partial = RequestHeadParser.Parse(bytes.AsSpan(0, delivered), 64 * 1024, scan);
                } while (partial.Status == HeadParseStatus.NeedMoreData && delivered < bytes.Length);
                if (partial.Status != whole.Status || partial.StatusCode != whole.StatusCode || partial.Consumed != whole.Consumed) return false;
                if (whole.Head is not null && !partial.Head!.Headers.SequenceEqual(whole.Head.Headers)) return false;
                scan.Reset();
            }
            return true;
        });

    [Property(MaxTest = 200)]
    public Property Chunked_encoding_then_decoding_in_any_pieces_is_byte_identical() =>
        Prop.ForAll(
            Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b)).ToArbitrary(),
            Gen.NonEmptyListOf(Gen.Choose(1, 300)).ToArbitrary(),
            Gen.NonEmptyListOf(Gen.Choose(1, 50)).ToArbitrary(),
            (body, chunkSizes, pieceSizes) =>
            {
                var encoded = ChunkedBody.Encode(body, chunkSizes);
                var outcome = ChunkedBody.Decode(encoded, [.. pieceSizes]);
                return outcome.Status == ChunkedStatus.Completed && outcome.Consumed == encoded.Length && outcome.Data.AsSpan().SequenceEqual(body);
            });
}
