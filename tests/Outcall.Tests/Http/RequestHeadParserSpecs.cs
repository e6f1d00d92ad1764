using Outcall.Http;
using static Outcall.Tests.Http.HttpText;

namespace Outcall.Tests.Http;

/// <summary>Valid request heads and the fields they parse to (FR-003, FR-004, EC-007, EC-014).</summary>
public class RequestHeadParserSpecs
{
    /// <summary>One expected parse: the head's text and what the rule context will be built from.</summary>
    public sealed record Expected(string Head, string Method, TargetForm Form, string Scheme, string Host, int Port, string Authority,
        string PathAndQuery, string Path, int VersionMinor, BodyFraming Framing, long ContentLength, bool KeepAlive,
        string? Upgrade = null, bool ExpectContinue = false)
    {
        public override string ToString() => Head.Split("\r\n")[0];
    }

    public static TheoryData<Expected> Valid => new()
    {
        new("GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n",
            "GET", TargetForm.Absolute, "http", "example.com", 80, "example.com", "/", "/", 1, BodyFraming.None, 0, true),
        new("GET http://Example.COM:8080/a/b?q=1&r=%20 HTTP/1.1\r\nHost: example.com:8080\r\n\r\n",
            "GET", TargetForm.Absolute, "http", "example.com", 8080, "example.com:8080", "/a/b?q=1&r=%20", "/a/b", 1, BodyFraming.None, 0, true),
        new("GET HTTP://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n",
            "GET", TargetForm.Absolute, "http", "example.com", 80, "example.com", "/", "/", 1, BodyFraming.None, 0, true),
        new("GET http://example.com?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n",
            "GET", TargetForm.Absolute, "http", "example.com", 80, "example.com", "/?x=1", "/", 1, BodyFraming.None, 0, true),
        new("GET http://example.com:80/ HTTP/1.1\r\nHost: example.com\r\n\r\n",
            "GET", TargetForm.Absolute, "http", "example.com", 80, "example.com:80", "/", "/", 1, BodyFraming.None, 0, true),
        new("GET http://example.com/ HTTP/1.1\r\nHost: EXAMPLE.com:80\r\n\r\n",
            "GET", TargetForm.Absolute, "http", "example.com", 80, "example.com", "/", "/", 1, BodyFraming.None, 0, true),
        new("GET https://example.com/x HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
            "GET", TargetForm.Absolute, "https", "example.com", 443, "example.com", "/x", "/x", 1, BodyFraming.None, 0, true),
        new("GET http://10.0.0.1:81/ HTTP/1.1\r\nHost: 10.0.0.1:81\r\n\r\n",
            "GET", TargetForm.Absolute, "http", "10.0.0.1", 81, "10.0.0.1:81", "/", "/", 1, BodyFraming.None, 0, true),
        new("GET http://[2001:DB8:0:0::1]:8080/p HTTP/1.1\r\nHost: [2001:db8::1]:8080\r\n\r\n",
            "GET", TargetForm.Absolute, "http", "2001:db8::1", 8080, "[2001:db8::1]:8080", "/p", "/p", 1, BodyFraming.None, 0, true),
        new("GET http://my_service.internal-1/ HTTP/1.1\r\nHost: my_service.internal-1\r\n\r\n",
            "GET", TargetForm.Absolute, "http", "my_service.internal-1", 80, "my_service.internal-1", "/", "/", 1, BodyFraming.None, 0, true),
        new("GET http://localhost/ HTTP/1.0\r\n\r\n",
            "GET", TargetForm.Absolute, "http", "localhost", 80, "localhost", "/", "/", 0, BodyFraming.None, 0, false),
        new("GET http://localhost/ HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
            "GET", TargetForm.Absolute, "http", "localhost", 80, "localhost", "/", "/", 0, BodyFraming.None, 0, true),
        new("GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n",
            "GET", TargetForm.Absolute, "http", "example.com", 80, "example.com", "/", "/", 1, BodyFraming.None, 0, false),
        new("GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\nConnection: connection\r\n\r\n",
            "GET", TargetForm.Absolute, "http", "example.com", 80, "example.com", "/", "/", 1, BodyFraming.None, 0, true),
        new("POST http://example.com/up HTTP/1.1\r\nHost: example.com\r\nContent-Length: 42\r\n\r\n",
            "POST", TargetForm.Absolute, "http", "example.com", 80, "example.com", "/up", "/up", 1, BodyFraming.ContentLength, 42, true),
        new("POST http://example.com/up HTTP/1.1\r\nHost: example.com\r\nContent-Length: 9223372036854775807\r\n\r\n",
            "POST", TargetForm.Absolute, "http", "example.com", 80, "example.com", "/up", "/up", 1, BodyFraming.ContentLength, long.MaxValue, true),
        new("POST http://example.com/up HTTP/1.0\r\nContent-Length: 0\r\n\r\n",
            "POST", TargetForm.Absolute, "http", "example.com", 80, "example.com", "/up", "/up", 0, BodyFraming.ContentLength, 0, false),
        new("PUT http://example.com/up HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n",
            "PUT", TargetForm.Absolute, "http", "example.com", 80, "example.com", "/up", "/up", 1, BodyFraming.Chunked, 0, true),
        new("PUT http://example.com/up HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: GZIP ,\tChunked \r\n\r\n",
            "PUT", TargetForm.Absolute, "http", "example.com", 80, "example.com", "/up", "/up", 1, BodyFraming.Chunked, 0, true),
        new("PUT http://example.com/up HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n",
            "PUT", TargetForm.Absolute, "http", "example.com", 80, "example.com", "/up", "/up", 1, BodyFraming.Chunked, 0, true),
        new("DELETE http://example.com/x HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n",
            "DELETE", TargetForm.Absolute, "http", "example.com", 80, "example.com", "/x", "/x", 1, BodyFraming.Chunked, 0, true),
        new("PURGE-ALL http://example.com/x HTTP/1.1\r\nHost: example.com\r\n\r\n",
            "PURGE-ALL", TargetForm.Absolute, "http", "example.com", 80, "example.com", "/x", "/x", 1, BodyFraming.None, 0, true),
        new("GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\n\r\n",
            "GET", TargetForm.Absolute, "http", "example.com", 80, "example.com", "/", "/", 1, BodyFraming.ContentLength, 0, true),
        new("get http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n",
            "get", TargetForm.Absolute, "http", "example.com", 80, "example.com", "/", "/", 1, BodyFraming.None, 0, true),
        new("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
            "CONNECT", TargetForm.Authority, "", "example.com", 443, "example.com:443", "/", "/", 1, BodyFraming.None, 0, true),
        new("CONNECT Example.com:8443 HTTP/1.1\r\nHost: example.com\r\n\r\n",
            "CONNECT", TargetForm.Authority, "", "example.com", 8443, "example.com:8443", "/", "/", 1, BodyFraming.None, 0, true),
        new("CONNECT [2001:db8::1]:443 HTTP/1.1\r\nHost: [2001:db8::1]:443\r\n\r\n",
            "CONNECT", TargetForm.Authority, "", "2001:db8::1", 443, "[2001:db8::1]:443", "/", "/", 1, BodyFraming.None, 0, true),
        new("CONNECT 1.2.3.4:22 HTTP/1.0\r\n\r\n",
            "CONNECT", TargetForm.Authority, "", "1.2.3.4", 22, "1.2.3.4:22", "/", "/", 0, BodyFraming.None, 0, false),
        new("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nContent-Length: 0\r\n\r\n",
            "CONNECT", TargetForm.Authority, "", "example.com", 443, "example.com:443", "/", "/", 1, BodyFraming.ContentLength, 0, true),
        new("GET /outcall-health HTTP/1.1\r\nHost: proxy:8080\r\n\r\n",
            "GET", TargetForm.Origin, "", "", 0, "", "/outcall-health", "/outcall-health", 1, BodyFraming.None, 0, true),
        new("GET /outcall-health HTTP/1.0\r\n\r\n",
            "GET", TargetForm.Origin, "", "", 0, "", "/outcall-health", "/outcall-health", 0, BodyFraming.None, 0, false),
        new("OPTIONS * HTTP/1.1\r\nHost: example.com\r\n\r\n",
            "OPTIONS", TargetForm.Asterisk, "", "", 0, "", "*", "*", 1, BodyFraming.None, 0, true),
        new("GET http://example.com/chat HTTP/1.1\r\nHost: example.com\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
            "GET", TargetForm.Absolute, "http", "example.com", 80, "example.com", "/chat", "/chat", 1, BodyFraming.None, 0, true, Upgrade: "websocket"),
        new("GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n\r\n",
            "GET", TargetForm.Absolute, "http", "example.com", 80, "example.com", "/", "/", 1, BodyFraming.None, 0, true),
        new("POST http://example.com/ HTTP/1.1\r\nHost: example.com\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n",
            "POST", TargetForm.Absolute, "http", "example.com", 80, "example.com", "/", "/", 1, BodyFraming.ContentLength, 3, true, ExpectContinue: true),
        new("POST http://example.com/ HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n",
            "POST", TargetForm.Absolute, "http", "example.com", 80, "example.com", "/", "/", 0, BodyFraming.ContentLength, 3, false),
        new("GET http://example.com/%2e%2efoo/.well-known/x..y HTTP/1.1\r\nHost: example.com\r\n\r\n",
            "GET", TargetForm.Absolute, "http", "example.com", 80, "example.com", "/%2e%2efoo/.well-known/x..y", "/%2e%2efoo/.well-known/x..y", 1, BodyFraming.None, 0, true),
        new("GET http://example.com/?a=/../b HTTP/1.1\r\nHost: example.com\r\n\r\n",
            "GET", TargetForm.Absolute, "http", "example.com", 80, "example.com", "/?a=/../b", "/", 1, BodyFraming.None, 0, true),
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void A_valid_head_parses_to_its_fields(Expected expected)
    {
        var head = ParseValidRequest(expected.Head);
        Assert.Equal(
            (expected.Method, expected.Form, expected.Scheme, expected.Host, expected.Port, expected.Authority, expected.PathAndQuery, expected.Path,
                expected.VersionMinor, expected.Framing, expected.ContentLength, expected.KeepAlive, expected.Upgrade, expected.ExpectContinue),
            (head.Method, head.TargetForm, head.Scheme, head.Host, head.Port, head.Authority, head.PathAndQuery, head.Path,
                head.VersionMinor, head.Framing, head.ContentLength, head.KeepAlive, head.Upgrade, head.ExpectContinue));
    }

    [Fact]
    public void Consumed_ends_after_the_blank_line_and_leaves_the_body()
    {
        const string head = "POST http://example.com/ HTTP/1.1\r\nHost: example.com\r\nContent-Length: 4\r\n\r\n";
        var result = RequestHeadParser.Parse(Bytes(head + "bodyGET"), MaxHead);
        Assert.Equal(head.Length, result.Consumed);
    }

    [Fact]
    public void Fields_keep_their_order_name_case_and_trimmed_values()
    {
        var head = ParseValidRequest("GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\nX-B:  two  words \t\r\nx-a:\r\nAccept: */*\r\n\r\n");
        Assert.Equal([new HeaderField("Host", "example.com"), new HeaderField("X-B", "two  words"), new HeaderField("x-a", ""), new HeaderField("Accept", "*/*")], head.Headers);
    }

    [Fact]
    public void Identical_Host_fields_collapse_to_the_first()
    {
        var head = ParseValidRequest("GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\nX-A: 1\r\nhost: EXAMPLE.COM\r\n\r\n");
        Assert.Equal([new HeaderField("Host", "example.com"), new HeaderField("X-A", "1")], head.Headers);
    }

    [Theory]
    [InlineData("")]
    [InlineData("GET")]
    [InlineData("GET http://example.com/ HTTP/1.1")]
    [InlineData("GET http://example.com/ HTTP/1.1\r")]
    [InlineData("GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n")]
    [InlineData("GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r")]
    public void An_incomplete_valid_prefix_needs_more_data(string prefix) =>
        Assert.Equal(HeadParseStatus.NeedMoreData, ParseRequest(prefix).Status);

    [Fact]
    public void An_HTTP2_preface_is_refused_as_soon_as_its_first_line_arrives_EC011()
    {
        var result = ParseRequest("PRI * HTTP/2.0\r\n");
        Assert.Equal((HeadParseStatus.Error, 505), (result.Status, result.StatusCode));
    }

    [Fact]
    public void A_bare_LF_fails_without_waiting_for_the_end_of_the_head()
    {
        var result = ParseRequest("GET http://example.com/ HTTP/1.1\nHost");
        Assert.Equal((HeadParseStatus.Error, 400), (result.Status, result.StatusCode));
    }

    [Fact]
    public void Exactly_one_hundred_fields_are_accepted()
    {
        var fields = string.Concat(Enumerable.Range(0, 99).Select(i => $"X-F{i}: v\r\n"));
        var head = ParseValidRequest("GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n" + fields + "\r\n");
        Assert.Equal(100, head.Headers.Count);
    }
}
