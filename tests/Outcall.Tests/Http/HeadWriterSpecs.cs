using System.Text;
using Outcall.Http;
using static Outcall.Tests.Http.HttpText;

namespace Outcall.Tests.Http;

/// <summary>Re-serialised heads (FR-003, FR-014, FR-020, EC-014): exact bytes, and parseable by our own parsers.</summary>
public class HeadWriterSpecs
{
    private static string Upstream(string clientHead) => Encoding.Latin1.GetString(HeadWriter.UpstreamRequest(ParseValidRequest(clientHead)));

    private static string Client(string upstreamHead, bool keepAlive = true, string method = "GET") =>
        Encoding.Latin1.GetString(HeadWriter.ClientResponse(ParseValidResponse(upstreamHead, method), keepAlive));

    [Fact]
    public void The_first_body_bytes_given_follow_the_response_head_in_the_same_array_FR003()
    {
        var head = ParseValidResponse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");

        var written = HeadWriter.ClientResponse(head, keepAlive: true, bodyStart: "hello"u8);

        Assert.Equal("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", Encoding.Latin1.GetString(written));
    }

    [Fact]
    public void An_absolute_form_request_goes_upstream_in_origin_form_with_Host_first_FR003()
    {
        var written = Upstream("GET http://Example.com:8080/a?b=1 HTTP/1.1\r\nAccept: */*\r\nHost: example.com:8080\r\nX-Id: 7\r\n\r\n");
        Assert.Equal("GET /a?b=1 HTTP/1.1\r\nHost: example.com:8080\r\nAccept: */*\r\nX-Id: 7\r\n\r\n", written);
    }

    [Fact]
    public void Hop_by_hop_fields_and_those_named_in_Connection_are_stripped_FR020()
    {
        var written = Upstream("GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\nConnection: close, X-Foo\r\nX-Foo: secret\r\n" +
                               "Proxy-Connection: keep-alive\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nTrailer: X-Sum\r\nUpgrade: websocket\r\n" +
                               "Proxy-Authorization: Basic dTpw\r\nProxy-Authenticate: Basic\r\nX-Keep: 1\r\n\r\n");
        Assert.Equal("GET / HTTP/1.1\r\nHost: example.com\r\nX-Keep: 1\r\n\r\n", written);
    }

    [Fact]
    public void Proxy_Authorization_is_never_forwarded_FR014()
    {
        var written = Upstream("GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\nproxy-authorization: Bearer t\r\n\r\n");
        Assert.DoesNotContain("uthorization", written, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_Connection_naming_itself_does_not_break_the_writer()
    {
        var written = Upstream("GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\nConnection: connection\r\n\r\n");
        Assert.Equal("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n", written);
    }

    [Fact]
    public void A_content_length_body_gets_our_own_Content_Length_last()
    {
        var written = Upstream("POST http://example.com/ HTTP/1.1\r\ncontent-length: 0007\r\nHost: example.com\r\nX-A: 1\r\n\r\n");
        Assert.Equal("POST / HTTP/1.1\r\nHost: example.com\r\nX-A: 1\r\nContent-Length: 7\r\n\r\n", written);
    }

    [Fact]
    public void A_chunked_body_keeps_its_codings_in_our_own_Transfer_Encoding()
    {
        var written = Upstream("POST http://example.com/ HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: GZIP\r\nTransfer-Encoding: chunked\r\n\r\n");
        Assert.Equal("POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", written);
    }

    [Fact]
    public void A_websocket_upgrade_keeps_Connection_Upgrade_and_its_fields_EC014()
    {
        var written = Upstream("GET http://example.com/ws HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
                               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
        Assert.Equal("GET /ws HTTP/1.1\r\nHost: example.com\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
                     "Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n", written);
    }

    [Fact]
    public void An_HTTP10_client_request_goes_upstream_as_HTTP11()
    {
        var written = Upstream("GET http://example.com/ HTTP/1.0\r\n\r\n");
        Assert.Equal("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n", written);
    }

    [Fact]
    public void An_IPv6_target_is_written_with_brackets_in_Host()
    {
        var written = Upstream("GET http://[::1]:8080/ HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n");
        Assert.StartsWith("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n", written);
    }

    [Fact]
    public void A_written_request_parses_back_to_the_same_request()
    {
        var original = ParseValidRequest("PUT http://example.com/x?y HTTP/1.1\r\nX-A: 1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n");
        var reparsed = ParseValidRequest(Encoding.Latin1.GetString(HeadWriter.UpstreamRequest(original)));
        Assert.Equal(("PUT", "/x?y", BodyFraming.Chunked), (reparsed.Method, reparsed.PathAndQuery, reparsed.Framing));
        Assert.Equal([new HeaderField("Host", "example.com"), new HeaderField("X-A", "1"), new HeaderField("Transfer-Encoding", "chunked")], reparsed.Headers);
    }

    [Fact]
    public void A_response_loses_hop_by_hop_and_reserved_fields_and_gets_our_framing()
    {
        var written = Client("HTTP/1.1 200 OK\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\nKeep-Alive: timeout=5\r\nProxy-Authenticate: Basic\r\n" +
                             "X-Outcall-Block-Reason: spoofed\r\nTrailer: X-Sum\r\nUpgrade: h2\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n\r\n");
        Assert.Equal("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n\r\n", written);
    }

    [Fact]
    public void A_chunked_response_stays_chunked_and_says_close_when_not_kept_alive()
    {
        var written = Client("HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n", keepAlive: false);
        Assert.Equal("HTTP/1.1 201 Created\r\nX-A: 1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n", written);
    }

    [Fact]
    public void An_until_close_response_gets_no_framing_and_Connection_close()
    {
        var written = Client("HTTP/1.0 200 OK\r\nX-A: 1\r\n\r\n", keepAlive: false);
        Assert.Equal("HTTP/1.1 200 OK\r\nX-A: 1\r\nConnection: close\r\n\r\n", written);
    }

    [Fact]
    public void A_HEAD_response_keeps_its_Content_Length()
    {
        var written = Client("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n", method: "HEAD");
        Assert.Equal("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n", written);
    }

    [Fact]
    public void A_101_keeps_Connection_Upgrade_and_Upgrade_EC014()
    {
        var written = Client("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
        Assert.Equal("HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", written);
    }

    [Fact]
    public void A_100_continue_is_written_without_framing_or_close()
    {
        var written = Client("HTTP/1.1 100 Continue\r\n\r\n", keepAlive: false);
        Assert.Equal("HTTP/1.1 100 Continue\r\n\r\n", written);
    }

    [Fact]
    public void A_written_response_parses_back_with_the_same_framing()
    {
        var original = ParseValidResponse("HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\nX-A: b\r\n\r\n");
        var reparsed = ParseValidResponse(Encoding.Latin1.GetString(HeadWriter.ClientResponse(original, keepAlive: true)));
        Assert.Equal((404, "Not Found", BodyFraming.ContentLength, 3L, true), (reparsed.StatusCode, reparsed.ReasonPhrase, reparsed.Framing, reparsed.ContentLength, reparsed.KeepAlive));
    }
}
