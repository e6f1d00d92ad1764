using Outcall.Http;
using static Outcall.Tests.Http.HttpText;

namespace Outcall.Tests.Http;

/// <summary>Upstream response heads: framing by RFC 9112 §6.3 with the request method, ambiguity -> 502 (FR-024).</summary>
public class ResponseHeadParserSpecs
{
    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", "GET", BodyFraming.ContentLength, 5L, true)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "GET", BodyFraming.Chunked, 0L, true)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "POST", BodyFraming.Chunked, 0L, true)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", "GET", BodyFraming.UntilClose, 0L, false)]
    [InlineData("HTTP/1.1 200 OK\r\n\r\n", "GET", BodyFraming.UntilClose, 0L, false)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", "HEAD", BodyFraming.None, 0L, true)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "HEAD", BodyFraming.None, 0L, true)]
    [InlineData("HTTP/1.1 204 No Content\r\n\r\n", "DELETE", BodyFraming.None, 0L, true)]
    [InlineData("HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n", "GET", BodyFraming.None, 0L, true)]
    [InlineData("HTTP/1.1 100 Continue\r\n\r\n", "POST", BodyFraming.None, 0L, true)]
    [InlineData("HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n", "GET", BodyFraming.None, 0L, true)]
    [InlineData("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", "GET", BodyFraming.None, 0L, false)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", "GET", BodyFraming.ContentLength, 0L, false)]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n", "GET", BodyFraming.ContentLength, 2L, false)]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n", "GET", BodyFraming.ContentLength, 2L, true)]
    [InlineData("HTTP/1.1 200\r\nContent-Length: 2\r\n\r\n", "GET", BodyFraming.ContentLength, 2L, true)]
    [InlineData("HTTP/1.1 599 \r\nContent-Length: 2\r\n\r\n", "GET", BodyFraming.ContentLength, 2L, true)]
    public void A_response_is_framed_by_status_method_and_fields(string head, string method, BodyFraming framing, long length, bool keepAlive)
    {
        var parsed = ParseValidResponse(head, method);
        Assert.Equal((framing, length, keepAlive), (parsed.Framing, parsed.ContentLength, parsed.KeepAlive));
    }

    [Fact]
    public void Status_reason_version_and_fields_are_reported()
    {
        var parsed = ParseValidResponse("HTTP/1.0 418 I'm a teapot\r\nX-A:  b \r\n\r\n");
        Assert.Equal((418, "I'm a teapot", 0), (parsed.StatusCode, parsed.ReasonPhrase, parsed.VersionMinor));
        Assert.Equal([new HeaderField("X-A", "b")], parsed.Headers);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n")]
    [InlineData("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nX-A : b\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nX-A: b\r\n c\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nX-A: b\nX-B: c\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nX-A: \x00\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\rX-A: b\r\n\r\n")]
    [InlineData("HTTP/2 200\r\n\r\n")]
    [InlineData("HTTP/1.2 200 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 20 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 2000 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 099 Low\r\n\r\n")]
    [InlineData("HTTP/1.1 600 High\r\n\r\n")]
    [InlineData("HTTP/1.1  200 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 200 O\x01K\r\n\r\n")]
    [InlineData("http/1.1 200 OK\r\n\r\n")]
    [InlineData("ICY 200 OK\r\n\r\n")]
    public void An_ambiguous_or_malformed_response_is_502(string head)
    {
        var result = ParseResponse(head);
        Assert.Equal((HeadParseStatus.Error, 502), (result.Status, result.StatusCode));
    }

    [Fact]
    public void An_oversized_response_head_is_502()
    {
        var result = ParseResponse("HTTP/1.1 200 OK\r\nX-Big: " + new string('a', MaxHead));
        Assert.Equal((HeadParseStatus.Error, 502), (result.Status, result.StatusCode));
    }

    [Fact]
    public void A_partial_response_head_needs_more_data()
    {
        Assert.Equal(HeadParseStatus.NeedMoreData, ParseResponse("HTTP/1.1 200 OK\r\nContent-Le").Status);
    }

    [Fact]
    public void Consumed_ends_after_the_blank_line()
    {
        const string head = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n";
        Assert.Equal(head.Length, ParseResponse(head + "ok").Consumed);
    }
}
