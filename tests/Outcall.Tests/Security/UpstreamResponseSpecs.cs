using Outcall.Tests.Proxy;

namespace Outcall.Tests.Security;

/// <summary>
/// The response side end to end: an ambiguous or broken upstream response is never relayed (502 while
/// nothing was written; a cut connection once the head went out), hop-by-hop and x-outcall-* fields
/// never reach the client (FR-020), and redirects are relayed, never followed.
/// </summary>
public sealed class UpstreamResponseSpecs(SecurityNodes nodes) : IClassFixture<SecurityNodes>
{
    private const string Marker = "SMUGGLED";

    public static TheoryData<string, string> Ambiguous => new()
    {
        { "CL and TE", $"HTTP/1.1 200 OK\r\nContent-Length: 8\r\nTransfer-Encoding: chunked\r\n\r\n{Marker}" },
        { "TE and CL", $"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 8\r\n\r\n{Marker}" },
        { "two different CLs", $"HTTP/1.1 200 OK\r\nContent-Length: 8\r\nContent-Length: 2\r\n\r\n{Marker}" },
        { "CL list", $"HTTP/1.1 200 OK\r\nContent-Length: 8, 2\r\n\r\n{Marker}" },
        { "CL with a plus", $"HTTP/1.1 200 OK\r\nContent-Length: +8\r\n\r\n{Marker}" },
        { "TE not ending in chunked", $"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n{Marker}" },
        { "obs-fold", $"HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 8\r\n\r\n{Marker}" },
        { "space before a colon", $"HTTP/1.1 200 OK\r\nContent-Length : 8\r\n\r\n{Marker}" },
        { "NUL in a field", $"HTTP/1.1 200 OK\r\nX-A: a\0b\r\nContent-Length: 8\r\n\r\n{Marker}" },
        { "bare LF", $"HTTP/1.1 200 OK\nContent-Length: 8\n\n{Marker}" },
        { "garbage status line", $"HTTP/1.1 2OO OK\r\nContent-Length: 8\r\n\r\n{Marker}" },
        { "HTTP/0.9 style body", Marker },
        { "closed before answering", "" },
    };

    [Theory]
    [MemberData(nameof(Ambiguous))]
    public async Task An_ambiguous_upstream_response_becomes_a_502_and_its_bytes_never_reach_the_client(string name, string response)
    {
        await using var upstream = ScriptedUpstream.Answering(response);
        var got = await HostileRequestSpecs.SendAsync(nodes.Permissive, Request(upstream.Port));
        Assert.True(got.StartsWith("HTTP/1.1 502 Bad Gateway\r\n", StringComparison.Ordinal), $"{name}: got {HostileRequestSpecs.FirstLine(got)}");
        Assert.DoesNotContain(Marker, got);
    }

    public static TheoryData<string, string> BadChunks => new()
    {
        { "junk after the size", $"5x\r\n{Marker}\r\n0\r\n\r\n" },
        { "missing CRLF after the data", $"3\r\nabc{Marker}\r\n0\r\n\r\n" },
        { "size over 64 bits", $"fffffffffffffffff\r\n{Marker}\r\n0\r\n\r\n" },
        { "folded trailer", $"0\r\nX-A: {Marker}\r\n b\r\n\r\n" },
    };

    [Theory]
    [MemberData(nameof(BadChunks))]
    public async Task A_bad_chunk_after_the_head_was_relayed_cuts_the_client_without_the_bad_bytes_or_a_last_chunk(string name, string badPart)
    {
        await using var upstream = ScriptedUpstream.Answering("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n" + badPart);
        var got = await HostileRequestSpecs.SendAsync(nodes.Permissive, Request(upstream.Port));
        Assert.True(got.StartsWith("HTTP/1.1 200 OK\r\n", StringComparison.Ordinal), $"{name}: got {HostileRequestSpecs.FirstLine(got)}");
        Assert.Contains("\r\n\r\n5\r\nhello\r\n", got);
        Assert.DoesNotContain(Marker, got);
        Assert.False(got.EndsWith("0\r\n\r\n", StringComparison.Ordinal), $"{name}: the client got a last chunk, so a cut body looks complete");
    }

    [Fact]
    public async Task Hop_by_hop_and_x_outcall_fields_of_a_response_never_reach_the_client_FR020()
    {
        await using var upstream = ScriptedUpstream.Answering(
            "HTTP/1.1 200 OK\r\nConnection: X-Secret\r\nX-Secret: s\r\nKeep-Alive: timeout=5\r\nProxy-Authenticate: Basic\r\n" +
            "X-Outcall-Block-Reason: forged\r\nTrailer: X-T\r\nUpgrade: foo\r\nProxy-Connection: keep-alive\r\nTE: trailers\r\n" +
            "X-Kept: yes\r\nContent-Length: 2\r\n\r\nok");
        var got = await HostileRequestSpecs.SendAsync(nodes.Permissive, Request(upstream.Port));
        Assert.Equal("HTTP/1.1 200 OK\r\nX-Kept: yes\r\nVia: 1.1 outcall\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok", got);
    }

    [Theory]
    [InlineData(301)]
    [InlineData(302)]
    [InlineData(303)]
    [InlineData(307)]
    [InlineData(308)]
    public async Task A_redirect_is_relayed_to_the_client_and_never_followed_by_the_proxy(int status)
    {
        await using var elsewhere = HostileRequestSpecs.Recorder();
        var location = $"http://127.0.0.1:{elsewhere.Port}/next";
        await using var upstream = ScriptedUpstream.Answering($"HTTP/1.1 {status} Moved\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n");
        var got = await HostileRequestSpecs.SendAsync(nodes.Permissive, Request(upstream.Port));
        Assert.Equal($"HTTP/1.1 {status} Moved\r\nLocation: {location}\r\nVia: 1.1 outcall\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", got);
        Assert.Equal(1, upstream.Connections);
        Assert.Equal(0, elsewhere.Connections);
    }

    private static string Request(int port) =>
        $"GET http://127.0.0.1:{port}/x HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n";
}
