using System.Text;
using Outcall.Http;
using Outcall.Proxy;
using static Outcall.Tests.Http.HttpText;

namespace Outcall.Tests.Http;

/// <summary>
/// Issue 12: the one form of a request-target that is judged and forwarded. Dot segments are removed
/// (RFC 3986 §5.2.4, "%2e" read as "."), characters RFC 3986 does not allow are percent-encoded, ws://
/// is http:// with its Upgrade, and host names are lowercase without a trailing root dot.
/// </summary>
public class TargetNormalizationSpecs
{
    private static RequestHead Get(string target, string host = "example.com") =>
        ParseValidRequest($"GET {target} HTTP/1.1\r\nHost: {host}\r\n\r\n");

    [Theory]
    [InlineData("/repo/./Packages", "/repo/Packages")]
    [InlineData("/a/b/../c", "/a/c")]
    [InlineData("/a/%2e/b", "/a/b")]
    [InlineData("/a/b/%2E%2e/c", "/a/c")]
    [InlineData("/a/b/.%2e/c", "/a/c")]
    [InlineData("/a/b/.", "/a/b/")]
    [InlineData("/a/b/..", "/a/")]
    [InlineData("/a/..", "/")]
    [InlineData("/./", "/")]
    [InlineData("//a/./b", "//a/b")]
    [InlineData("/a//../b", "/a/b")]
    [InlineData("/%2e%2efoo/x..y/.../.well-known", "/%2e%2efoo/x..y/.../.well-known")]
    [InlineData("/a;v=1/b..;c/./d", "/a;v=1/b..;c/d")]
    public void Dot_segments_are_removed_before_the_path_is_judged(string path, string expected)
    {
        var head = Get("http://example.com" + path);
        Assert.Equal(expected, head.Path);
        Assert.Equal(expected, head.PathAndQuery);
    }

    [Fact]
    public void An_apt_flat_repository_path_is_judged_and_forwarded_as_the_same_path()
    {
        var head = Get("http://example.com/repo/./Packages?x=1");
        var requestLine = Encoding.ASCII.GetString(HeadWriter.UpstreamRequest(head)).Split("\r\n")[0];
        Assert.Equal("GET /repo/Packages?x=1 HTTP/1.1", requestLine);
        Assert.Equal("/repo/Packages", RequestContext.For(head, "agent").HttpPath);
    }

    [Fact]
    public void Dot_segments_in_the_query_are_left_alone() =>
        Assert.Equal("/a/b?x=/../y&z=./", Get("http://example.com/a/./b?x=/../y&z=./").PathAndQuery);

    [Fact]
    public void An_origin_form_target_is_normalised_too() =>
        Assert.Equal("/outcall-health", Get("/./outcall-health", "proxy").PathAndQuery);

    [Theory]
    [InlineData("/a{b}", "/a%7Bb%7D")]
    [InlineData("/a|b^c", "/a%7Cb%5Ec")]
    [InlineData("/a`b", "/a%60b")]
    [InlineData("/q?a[]=1&b=\"x\"<y>", "/q?a%5B%5D=1&b=%22x%22%3Cy%3E")]
    [InlineData("/a%7Bb", "/a%7Bb")]
    public void Characters_RFC_3986_does_not_allow_are_percent_encoded_and_judged_as_forwarded(string received, string forwarded)
    {
        var head = Get("http://example.com" + received);
        Assert.Equal(forwarded, head.PathAndQuery);
        Assert.StartsWith($"GET {forwarded} HTTP/1.1\r\n", Encoding.ASCII.GetString(HeadWriter.UpstreamRequest(head)));
        Assert.Equal(forwarded.Split('?')[0], RequestContext.For(head, "agent").HttpPath);
    }

    [Fact]
    public void A_ws_target_is_http_with_its_Upgrade()
    {
        var head = ParseValidRequest("GET ws://example.com/chat HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
                                     "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
        Assert.Equal(("http", 80, "/chat", "websocket"), (head.Scheme, head.Port, head.PathAndQuery, head.Upgrade));
    }

    [Fact]
    public void A_ws_target_with_a_port_keeps_it() =>
        Assert.Equal(8080, ParseValidRequest("GET WS://example.com:8080/ HTTP/1.1\r\nHost: example.com:8080\r\n\r\n").Port);

    [Fact]
    public void A_wss_target_is_refused_with_a_reason_that_names_CONNECT()
    {
        var result = ParseRequest("GET wss://example.com/chat HTTP/1.1\r\nHost: example.com\r\n\r\n");
        Assert.Equal(400, result.StatusCode);
        Assert.Contains("CONNECT", result.Reason);
    }

    [Theory]
    [InlineData("http://localhost./", "localhost.", "localhost", "localhost")]
    [InlineData("http://localhost/", "localhost.", "localhost", "localhost")]
    [InlineData("http://localhost./", "localhost", "localhost", "localhost")]
    [InlineData("http://Example.COM.:8080/", "example.com:8080", "example.com", "example.com:8080")]
    public void A_host_is_lowercased_and_loses_its_trailing_dot_in_the_target_and_in_Host(string target, string hostField, string host, string authority)
    {
        var head = Get(target, hostField);
        Assert.Equal((host, authority), (head.Host, head.Authority));
        Assert.Contains($"\r\nHost: {authority}\r\n", Encoding.ASCII.GetString(HeadWriter.UpstreamRequest(head)));
    }

    [Fact]
    public void A_CONNECT_authority_loses_its_trailing_dot()
    {
        var head = ParseValidRequest("CONNECT Example.com.:443 HTTP/1.1\r\nHost: example.com.:443\r\n\r\n");
        Assert.Equal(("example.com", "example.com:443"), (head.Host, head.Authority));
    }
}
