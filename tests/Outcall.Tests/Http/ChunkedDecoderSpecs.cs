using System.Text;
using Outcall.Http;
using static Outcall.Tests.Http.HttpText;

namespace Outcall.Tests.Http;

/// <summary>Strict chunked decoding (RFC 9112 §7.1, FR-024, HTTP-PITFALLS "chunk-size lines").</summary>
public class ChunkedDecoderSpecs
{
    private const string Body = "5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n";

    [Fact]
    public void A_chunked_body_decodes_to_its_data_in_one_piece()
    {
        var outcome = ChunkedBody.Decode(Bytes(Body));
        Assert.Equal((ChunkedStatus.Completed, "hello, world", Body.Length), (outcome.Status, Encoding.ASCII.GetString(outcome.Data), outcome.Consumed));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    public void A_chunked_body_decodes_the_same_in_pieces(int pieceSize)
    {
        var outcome = ChunkedBody.Decode(Bytes(Body), pieceSize);
        Assert.Equal((ChunkedStatus.Completed, "hello, world", Body.Length), (outcome.Status, Encoding.ASCII.GetString(outcome.Data), outcome.Consumed));
    }

    [Fact]
    public void Bytes_after_the_body_are_left_for_the_next_message()
    {
        var outcome = ChunkedBody.Decode(Bytes(Body + "GET http://x/ HTTP/1.1\r\n"));
        Assert.Equal(Body.Length, outcome.Consumed);
    }

    [Theory]
    [InlineData("5;name=value\r\nhello\r\n0\r\n\r\n", "hello")]
    [InlineData("5;a;b=\"q\"\r\nhello\r\n0;last\r\n\r\n", "hello")]
    [InlineData("00005\r\nhello\r\n0\r\n\r\n", "hello")]
    [InlineData("5\r\nhello\r\n0\r\nExpires: never\r\nX-Sum: 1\r\n\r\n", "hello")]
    [InlineData("A\r\n0123456789\r\n0\r\n\r\n", "0123456789")]
    [InlineData("a\r\n0123456789\r\n0\r\n\r\n", "0123456789")]
    public void Extensions_and_trailers_are_accepted_and_dropped(string body, string data)
    {
        var outcome = ChunkedBody.Decode(Bytes(body), 1);
        Assert.Equal((ChunkedStatus.Completed, data, body.Length), (outcome.Status, Encoding.ASCII.GetString(outcome.Data), outcome.Consumed));
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { "empty size", "\r\nhello\r\n0\r\n\r\n" },
        { "junk after the size", "5x\r\nhello\r\n0\r\n\r\n" },
        { "space after the size", "5 \r\nhello\r\n0\r\n\r\n" },
        { "space before the extension", "5 ;a\r\nhello\r\n0\r\n\r\n" },
        { "space before the size", " 5\r\nhello\r\n0\r\n\r\n" },
        { "hex prefix", "0x5\r\nhello\r\n0\r\n\r\n" },
        { "negative size", "-5\r\nhello\r\n0\r\n\r\n" },
        { "plus sign", "+5\r\nhello\r\n0\r\n\r\n" },
        { "bare LF after the size", "5\nhello\r\n0\r\n\r\n" },
        { "bare CR after the size", "5\rhello\r\n0\r\n\r\n" },
        { "data longer than the size", "5\r\nhello!\r\n0\r\n\r\n" },
        { "data not followed by CRLF", "5\r\nhelloXY0\r\n\r\n" },
        { "data followed by a bare LF", "5\r\nhello\n0\r\n\r\n" },
        { "size overflowing a long", "10000000000000000\r\n" },
        { "size above 2^62", "4000000000000001\r\n" },
        { "control byte in an extension", "5;a\x01\r\nhello\r\n0\r\n\r\n" },
        { "bare LF in an extension", "5;a\nhello\r\n0\r\n\r\n" },
        { "obs-fold in a trailer", "0\r\nX-A: 1\r\n b\r\n\r\n" },
        { "trailer without a colon", "0\r\nX-A\r\n\r\n" },
        { "trailer with a space before the colon", "0\r\nX-A : 1\r\n\r\n" },
        { "trailer with NUL", "0\r\nX-A: \x00\r\n\r\n" },
        { "bare LF in a trailer", "0\r\nX-A: 1\n\r\n" },
        { "last chunk ended by LF", "0\r\n\n" },
        { "last chunk ended by CR junk", "0\r\n\rX" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void A_malformed_chunked_body_is_an_error(string description, string body)
    {
        var outcome = ChunkedBody.Decode(Bytes(body), 1);
        Assert.True(outcome.Status == ChunkedStatus.Error, $"{description}: got {outcome.Status}");
    }

    [Fact]
    public void A_size_of_exactly_2_pow_62_is_accepted_as_a_header()
    {
        var outcome = ChunkedBody.Decode(Bytes("4000000000000000\r\nabc"));
        Assert.Equal((ChunkedStatus.NeedMoreData, "abc"), (outcome.Status, Encoding.ASCII.GetString(outcome.Data)));
    }

    [Fact]
    public void A_chunk_line_longer_than_4_KiB_is_an_error()
    {
        var outcome = ChunkedBody.Decode(Bytes("5;" + new string('a', 4100) + "\r\nhello\r\n0\r\n\r\n"), 100);
        Assert.Equal(ChunkedStatus.Error, outcome.Status);
    }

    [Fact]
    public void Trailers_beyond_8_KiB_are_an_error()
    {
        var trailers = string.Concat(Enumerable.Range(0, 100).Select(i => $"X-T{i}: {new string('v', 100)}\r\n"));
        var outcome = ChunkedBody.Decode(Bytes("0\r\n" + trailers + "\r\n"), 64);
        Assert.Equal(ChunkedStatus.Error, outcome.Status);
    }

    [Fact]
    public void A_decoder_stays_in_error_once_failed()
    {
        var decoder = new ChunkedDecoder();
        Assert.Equal(ChunkedStatus.Error, decoder.Decode(Bytes("z"), out _, out _, out _));
        Assert.Equal(ChunkedStatus.Error, decoder.Decode(Bytes("5\r\nhello\r\n"), out _, out _, out _));
    }

    [Fact]
    public void A_decoder_stays_completed_and_consumes_nothing_more()
    {
        var decoder = new ChunkedDecoder();
        Assert.Equal(ChunkedStatus.Completed, decoder.Decode(Bytes("0\r\n\r\n"), out _, out _, out _));
        Assert.Equal(ChunkedStatus.Completed, decoder.Decode(Bytes("0\r\n\r\n"), out var consumed, out _, out _));
        Assert.Equal(0, consumed);
    }

    [Theory]
    [InlineData(1, "1\r\n")]
    [InlineData(255, "ff\r\n")]
    [InlineData(int.MaxValue, "7fffffff\r\n")]
    public void The_encoder_writes_lowercase_hex_chunk_headers(int length, string expected)
    {
        Span<byte> header = stackalloc byte[16];
        var written = ChunkedEncoder.WriteChunkHeader(header, length);
        Assert.Equal(expected, Encoding.ASCII.GetString(header[..written]));
    }

    [Fact]
    public void The_encoder_refuses_an_empty_chunk_because_it_would_end_the_body()
    {
        var header = new byte[16];
        Assert.Throws<ArgumentOutOfRangeException>(() => ChunkedEncoder.WriteChunkHeader(header, 0));
    }
}
