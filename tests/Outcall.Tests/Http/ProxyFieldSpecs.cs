using System.Text;
using Outcall.Http;
using static Outcall.Tests.Http.HttpText;

namespace Outcall.Tests.Http;

/// <summary>
/// Issue 12: the fields a proxy owes the RFCs. An h2c upgrade is dropped (EC-011), a transfer coding we
/// do not know is 501 (RFC 9112 §6.1), Max-Forwards counts down on TRACE and OPTIONS (RFC 9110 §7.6.2)
/// and Via names us by pseudonym both ways (RFC 9110 §7.6.3).
/// </summary>
public class ProxyFieldSpecs
{
    private const string CurlHttp2 = "GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n" +
                                     "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n";

    private static string Written(RequestHead head, bool via = false) =>
        Encoding.Latin1.GetString(HeadWriter.UpstreamRequest(head, ForwardedHeaders.Off, "", via));

    [Fact]
    public void Curls_h2c_upgrade_is_dropped_and_the_request_goes_on_in_HTTP_1_1_EC011()
    {
        var head = ParseValidRequest(CurlHttp2);
        Assert.Null(head.Upgrade);
        Assert.True(head.KeepAlive);
        Assert.Equal([new HeaderField("Host", "example.com"), new HeaderField("User-Agent", "curl/8.5.0"), new HeaderField("Accept", "*/*")], head.Headers);
        Assert.Equal("GET / HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n", Written(head));
    }

    [Fact]
    public void h2c_among_other_protocols_leaves_the_others_to_upgrade_to()
    {
        var head = ParseValidRequest("GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade, HTTP2-Settings\r\n" +
                                     "Upgrade: websocket, H2C\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n");
        Assert.Equal("websocket", head.Upgrade);
        Assert.Equal([new HeaderField("Host", "example.com"), new HeaderField("Connection", "upgrade"), new HeaderField("Upgrade", "websocket")], head.Headers);
    }

    [Fact]
    public void Other_Connection_options_survive_the_dropped_h2c_upgrade()
    {
        var head = ParseValidRequest("GET http://example.com/ HTTP/1.0\r\nHost: example.com\r\nConnection: keep-alive, Upgrade, HTTP2-Settings\r\n" +
                                     "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n");
        Assert.True(head.KeepAlive);
        Assert.Equal([new HeaderField("Host", "example.com"), new HeaderField("Connection", "keep-alive")], head.Headers);
    }

    [Fact]
    public void An_h2c_upgrade_without_Connection_is_dropped_as_well() =>
        Assert.Equal([new HeaderField("Host", "example.com")],
            ParseValidRequest("GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\nUpgrade: h2c\r\n\r\n").Headers);

    [Fact]
    public void The_HTTP2_preface_is_still_an_error_EC011() =>
        Assert.Equal(505, ParseRequest("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").StatusCode);

    [Theory]
    [InlineData("identity, chunked")]
    [InlineData("br, chunked")]
    [InlineData("zstd, chunked")]
    public void A_transfer_coding_we_do_not_know_is_501(string codings)
    {
        var result = ParseRequest($"POST http://example.com/ HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: {codings}\r\n\r\n");
        Assert.Equal((HeadParseStatus.Error, 501), (result.Status, result.StatusCode));
    }

    [Theory]
    [InlineData("gzip, chunked")]
    [InlineData("x-gzip, chunked")]
    [InlineData("deflate, chunked")]
    [InlineData("compress, x-compress, chunked")]
    public void Registered_transfer_codings_before_chunked_are_forwarded(string codings)
    {
        var head = ParseValidRequest($"POST http://example.com/ HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: {codings}\r\n\r\n");
        Assert.Equal(BodyFraming.Chunked, head.Framing);
        Assert.Contains($"\r\nTransfer-Encoding: {codings}\r\n", Written(head));
    }

    [Theory]
    [InlineData("TRACE", "0", 0)]
    [InlineData("OPTIONS", "7", 7)]
    [InlineData("TRACE", "99999999999999999999", int.MaxValue)]
    public void Max_Forwards_is_read_on_TRACE_and_OPTIONS(string method, string value, int hops) =>
        Assert.Equal(hops, ParseValidRequest($"{method} http://example.com/ HTTP/1.1\r\nHost: example.com\r\nMax-Forwards: {value}\r\n\r\n").MaxForwards);

    [Fact]
    public void Max_Forwards_on_other_methods_is_an_ordinary_field_forwarded_unchanged()
    {
        var head = ParseValidRequest("GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\nMax-Forwards: 0\r\n\r\n");
        Assert.Null(head.MaxForwards);
        Assert.Contains("\r\nMax-Forwards: 0\r\n", Written(head));
        Assert.False(MaxForwardsAnswer.AnswersLocally(head));
    }

    [Fact]
    public void A_TRACE_with_hops_left_is_forwarded_with_Max_Forwards_decremented()
    {
        var head = ParseValidRequest("TRACE http://example.com/ HTTP/1.1\r\nHost: example.com\r\nMax-Forwards: 3\r\nX-A: 1\r\n\r\n");
        Assert.False(MaxForwardsAnswer.AnswersLocally(head));
        Assert.Equal("TRACE / HTTP/1.1\r\nHost: example.com\r\nX-A: 1\r\nMax-Forwards: 2\r\n\r\n", Written(head));
    }

    [Fact]
    public void A_TRACE_at_zero_hops_is_echoed_without_credentials()
    {
        var head = ParseValidRequest("TRACE http://Example.com/a?b HTTP/1.1\r\nHost: example.com\r\nMax-Forwards: 0\r\nAuthorization: Basic c2VjcmV0\r\n" +
                                     "Proxy-Authorization: Basic cHJveHk=\r\nCookie: session=s3cret\r\nX-A: 1\r\n\r\n");
        Assert.True(MaxForwardsAnswer.AnswersLocally(head));
        var echo = "TRACE http://Example.com/a?b HTTP/1.1\r\nHost: example.com\r\nMax-Forwards: 0\r\nX-A: 1\r\n\r\n";
        Assert.Equal($"HTTP/1.1 200 OK\r\nContent-Type: message/http\r\nContent-Length: {echo.Length}\r\n\r\n{echo}",
            Encoding.Latin1.GetString(MaxForwardsAnswer.Response(head, close: false)));
    }

    [Fact]
    public void An_OPTIONS_at_zero_hops_is_answered_with_Allow()
    {
        var head = ParseValidRequest("OPTIONS http://example.com/ HTTP/1.1\r\nHost: example.com\r\nMax-Forwards: 0\r\n\r\n");
        Assert.Equal($"HTTP/1.1 200 OK\r\nAllow: {MaxForwardsAnswer.Allow}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            Encoding.Latin1.GetString(MaxForwardsAnswer.Response(head, close: true)));
    }

    [Fact]
    public void Via_names_the_proxy_by_pseudonym_on_a_request()
    {
        var head = ParseValidRequest("GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n");
        Assert.Equal("GET / HTTP/1.1\r\nHost: example.com\r\nVia: 1.1 outcall\r\n\r\n", Written(head, via: true));
    }

    [Fact]
    public void Via_is_appended_to_the_list_the_client_sent_with_the_clients_version()
    {
        var head = ParseValidRequest("GET http://example.com/ HTTP/1.0\r\nVia: 1.0 fred\r\nX-A: 1\r\nVia: 1.1 p.example (Squid)\r\n\r\n");
        Assert.Equal("GET / HTTP/1.1\r\nHost: example.com\r\nX-A: 1\r\nVia: 1.0 fred, 1.1 p.example (Squid), 1.0 outcall\r\n\r\n", Written(head, via: true));
    }

    [Fact]
    public void Without_via_the_clients_Via_passes_unchanged() =>
        Assert.Contains("\r\nVia: 1.0 fred\r\n", Written(ParseValidRequest("GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\nVia: 1.0 fred\r\n\r\n")));

    [Fact]
    public void Via_is_appended_to_a_response_with_the_upstreams_version()
    {
        var response = ParseValidResponse("HTTP/1.0 200 OK\r\nVia: 1.1 cdn\r\nContent-Length: 0\r\n\r\n");
        Assert.Equal("HTTP/1.1 200 OK\r\nVia: 1.1 cdn, 1.0 outcall\r\nContent-Length: 0\r\n\r\n",
            Encoding.Latin1.GetString(HeadWriter.ClientResponse(response, keepAlive: true, via: true)));
    }
}
