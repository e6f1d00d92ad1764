using System.Net.Sockets;
using System.Text;
using Outcall.Tests.Proxy;

namespace Outcall.Tests.Security;

/// <summary>
/// Issue 4 / FR-024 / EC-011 / EC-006: malformed and hostile requests over a real socket to a real node
/// whose rules allow everything to the upstream, so only the proxy's own defences can stop them. Each
/// case asserts the exact status line the client gets and that the upstream saw no connection and no
/// byte. Adding a case is one line: {port} is replaced by the recording upstream's port.
/// </summary>
public sealed class HostileRequestSpecs(SecurityNodes nodes) : IClassFixture<SecurityNodes>
{
    private const string BadRequest = "HTTP/1.1 400 Bad Request";
    private const string TooLarge = "HTTP/1.1 431 Request Header Fields Too Large";
    private const string BadVersion = "HTTP/1.1 505 HTTP Version Not Supported";
    private const string BadExpectation = "HTTP/1.1 417 Expectation Failed";
    private const string NotImplemented = "HTTP/1.1 501 Not Implemented";

    private const string Target = "http://127.0.0.1:{port}/x";
    private const string HostField = "Host: 127.0.0.1:{port}";

    private static string Head(string requestLine, params string[] fields) =>
        requestLine + "\r\n" + string.Concat(fields.Select(f => f + "\r\n")) + "\r\n";

    private static string Get(params string[] fields) => Head($"GET {Target} HTTP/1.1", [HostField, .. fields]);

    private static string Post(params string[] fields) => Head($"POST {Target} HTTP/1.1", [HostField, .. fields]);

    private static string Line(string requestLine) => Head(requestLine, HostField);

    public static TheoryData<string, string, string> Refused => new()
    {
        // ---- request smuggling: framing (FR-024, HTTP-PITFALLS "Request smuggling") ----
        { "CL then TE", Post("Content-Length: 5", "Transfer-Encoding: chunked") + "0\r\n\r\n", BadRequest },
        { "TE then CL", Post("Transfer-Encoding: chunked", "Content-Length: 5") + "0\r\n\r\n", BadRequest },
        { "CL with TE chunked, gzip", Post("Content-Length: 5", "Transfer-Encoding: chunked, gzip"), BadRequest },
        { "TE chunked, gzip (chunked not last)", Post("Transfer-Encoding: chunked, gzip"), BadRequest },
        { "TE gzip alone", Post("Transfer-Encoding: gzip"), BadRequest },
        { "TE chunked, chunked", Post("Transfer-Encoding: chunked, chunked"), BadRequest },
        { "TE chunked twice in two fields", Post("Transfer-Encoding: chunked", "Transfer-Encoding: chunked"), BadRequest },
        { "TE identity", Post("Transfer-Encoding: identity"), BadRequest },
        { "TE unknown coding", Post("Transfer-Encoding: xchunked"), BadRequest },
        { "TE empty", Post("Transfer-Encoding: "), BadRequest },
        { "TE chunked with a parameter", Post("Transfer-Encoding: chunked;q=1"), BadRequest },
        { "TE quoted chunked", Post("Transfer-Encoding: \"chunked\""), BadRequest },
        { "TE chunked on HTTP/1.0", Head($"POST {Target} HTTP/1.0", HostField, "Transfer-Encoding: chunked"), BadRequest },
        { "TE with a vertical tab", Post("Transfer-Encoding: \vchunked"), BadRequest },
        { "TE with a form feed", Post("Transfer-Encoding: chunked\f"), BadRequest },
        { "CL with a space before the colon", Post("Content-Length : 5") + "hello", BadRequest },
        { "TE with a space before the colon", Post("Transfer-Encoding : chunked") + "0\r\n\r\n", BadRequest },
        { "CL with a tab before the colon", Post("Content-Length\t: 5") + "hello", BadRequest },
        { "CL list 1000,1000", Post("Content-Length: 1000,1000"), BadRequest },
        { "CL list 5, 5", Post("Content-Length: 5, 5"), BadRequest },
        { "CL with a leading plus", Post("Content-Length: +5") + "hello", BadRequest },
        { "CL negative", Post("Content-Length: -1"), BadRequest },
        { "CL over Int64", Post("Content-Length: 9223372036854775808"), BadRequest },
        { "CL over UInt64 wrapping to 5", Post("Content-Length: 18446744073709551621"), BadRequest },
        { "CL hexadecimal", Post("Content-Length: 0x5"), BadRequest },
        { "CL decimal point", Post("Content-Length: 5.0"), BadRequest },
        { "CL empty", Post("Content-Length: "), BadRequest },
        { "CL two numbers", Post("Content-Length: 5 5"), BadRequest },
        { "two CL fields with the same value", Post("Content-Length: 5", "Content-Length: 5") + "hello", BadRequest },
        { "two CL fields with different values", Post("Content-Length: 5", "Content-Length: 6") + "hello!", BadRequest },
        { "Content_Length look-alike", Post("Content_Length: 5") + "hello", BadRequest },
        { "Transfer_Encoding look-alike", Post("Transfer_Encoding: chunked") + "0\r\n\r\n", BadRequest },
        { "GET with a body length", Get("Content-Length: 5") + "hello", BadRequest },
        { "HEAD with a chunked body", Head($"HEAD {Target} HTTP/1.1", HostField, "Transfer-Encoding: chunked") + "0\r\n\r\n", BadRequest },
        { "CONNECT with a body length", Head("CONNECT 127.0.0.1:{port} HTTP/1.1", HostField, "Content-Length: 5") + "hello", BadRequest },
        // ---- line and byte level ----
        { "obs-fold continuation", Get("X-A: a", " folded"), BadRequest },
        { "obs-fold with a tab", Get("X-A: a", "\tfolded"), BadRequest },
        { "obs-fold hiding chunked", Post("Transfer-Encoding: gzip", " , chunked"), BadRequest },
        { "whitespace before the first field", Head($"GET {Target} HTTP/1.1", " " + HostField), BadRequest },
        { "bare CR inside a value", Get("X-A: a\rb"), BadRequest },
        { "bare CR ending a field", Get("X-A: a\rX-B: b"), BadRequest },
        { "bare LF line endings throughout", $"GET {Target} HTTP/1.1\n{HostField}\n\n", BadRequest },
        { "bare LF between fields", Get("X-A: a\nX-B: b"), BadRequest },
        { "bare LF after the request line", $"GET {Target} HTTP/1.1\n{HostField}\r\n\r\n", BadRequest },
        { "NUL in a value", Get("X-A: a\0b"), BadRequest },
        { "NUL in a name", Get("X-\0A: a"), BadRequest },
        { "NUL in the target", Line($"GET http://127.0.0.1:{{port}}/a\0b HTTP/1.1"), BadRequest },
        { "SOH control byte in a value", Get("X-A: a\u0001b"), BadRequest },
        { "ESC control byte in a value", Get("X-A: \u001b[31m"), BadRequest },
        { "DEL in a value", Get("X-A: a\u007fb"), BadRequest },
        { "obs-text in a value", Get("X-A: caf\u00e9"), BadRequest },
        { "empty line before the request line", "\r\n" + Get(), BadRequest },
        // ---- header abuse ----
        { "x-outcall- field from a client", Get("X-Outcall-Agent: root"), BadRequest },
        { "forged block reason", Get("x-outcall-block-reason: none"), BadRequest },
        { "x-outcall- in upper case", Get("X-OUTCALL-RULE: allow-all"), BadRequest },
        { "space before the colon of Host", Head($"GET {Target} HTTP/1.1", "Host : 127.0.0.1:{port}"), BadRequest },
        { "space inside a field name", Get("X A: b"), BadRequest },
        { "field without a colon", Get("NoColonHere"), BadRequest },
        { "empty field name", Get(": value"), BadRequest },
        { "non-token field name", Get("X@A: b"), BadRequest },
        { "huge header value", Get("X-Big: " + new string('a', 9000)), TooLarge },
        { "many mid-sized fields over the limit", Get([.. Enumerable.Range(0, 90).Select(i => $"X-F{i}: " + new string('b', 100))]), TooLarge },
        { "too many fields", Get([.. Enumerable.Range(0, 101).Select(i => $"X-{i}: v")]), TooLarge },
        { "huge request target", Line($"GET http://127.0.0.1:{{port}}/{new string('p', 9000)} HTTP/1.1"), TooLarge },
        { "huge head never terminated", $"GET {Target} HTTP/1.1\r\n{HostField}\r\nX-Big: " + new string('c', 20000), TooLarge },
        { "unsupported expectation", Post("Expect: 200-ok", "Content-Length: 1") + "a", BadExpectation },
        { "two expectations", Post("Expect: 100-continue", "Expect: 100-continue", "Content-Length: 1") + "a", BadExpectation },
        // ---- odd targets ----
        { "userinfo with a password", Line("GET http://user:pass@127.0.0.1:{port}/x HTTP/1.1"), BadRequest },
        { "userinfo without a password", Line("GET http://user@127.0.0.1:{port}/x HTTP/1.1"), BadRequest },
        { "userinfo hiding another host", Line("GET http://127.0.0.1:{port}@evil.test/x HTTP/1.1"), BadRequest },
        { "fragment", Line("GET http://127.0.0.1:{port}/x#frag HTTP/1.1"), BadRequest },
        { "backslash after the authority", Line("GET http://127.0.0.1:{port}\\x HTTP/1.1"), BadRequest },
        { "backslash in the path", Line("GET http://127.0.0.1:{port}/a\\b HTTP/1.1"), BadRequest },
        // Dot segments are resolved (issue 12; ProxyNormalizationSpecs), except these.
        { "dot-dot segment above the root", Line("GET http://127.0.0.1:{port}/a/../../b HTTP/1.1"), BadRequest },
        { "encoded dot-dot segment above the root", Line("GET http://127.0.0.1:{port}/%2E%2e/b HTTP/1.1"), BadRequest },
        { "dot-dot behind an encoded slash", Line("GET http://127.0.0.1:{port}/a/..%2Fb HTTP/1.1"), BadRequest },
        { "https absolute-form", Line("GET https://127.0.0.1:{port}/x HTTP/1.1"), BadRequest },
        { "wss absolute-form", Line("GET wss://127.0.0.1:{port}/x HTTP/1.1"), BadRequest },
        { "ftp absolute-form", Line("GET ftp://127.0.0.1:{port}/x HTTP/1.1"), BadRequest },
        { "scheme-relative target", Line("GET //127.0.0.1:{port}/x HTTP/1.1"), BadRequest },
        { "origin-form to the proxy", Line("GET /x HTTP/1.1"), BadRequest },
        { "health path with a query", Line("GET /outcall-health?x=1 HTTP/1.1"), BadRequest },
        { "health path with another method", Line("POST /outcall-health HTTP/1.1"), BadRequest },
        { "asterisk OPTIONS", Line("OPTIONS * HTTP/1.1"), BadRequest },
        { "asterisk with GET", Line("GET * HTTP/1.1"), BadRequest },
        { "space inside the target", Line("GET http://127.0.0.1:{port}/a b HTTP/1.1"), BadRequest },
        { "two spaces after the method", Line("GET  http://127.0.0.1:{port}/x HTTP/1.1"), BadRequest },
        { "tab instead of a space", Line("GET\thttp://127.0.0.1:{port}/x HTTP/1.1"), BadRequest },
        { "empty host", Head("GET http:///x HTTP/1.1", "Host: "), BadRequest },
        { "port over 65535", Head("GET http://127.0.0.1:65536/x HTTP/1.1", "Host: 127.0.0.1:65536"), BadRequest },
        { "non-numeric port", Head("GET http://127.0.0.1:8a/x HTTP/1.1", "Host: 127.0.0.1:8a"), BadRequest },
        { "unbracketed IPv6", Line("GET http://::1:{port}/x HTTP/1.1"), BadRequest },
        { "percent-encoded host", Line("GET http://127.0.0.1%2e:{port}/x HTTP/1.1"), BadRequest },
        { "CONNECT without a port", Head("CONNECT 127.0.0.1 HTTP/1.1", "Host: 127.0.0.1"), BadRequest },
        { "CONNECT with a URI", Line("CONNECT http://127.0.0.1:{port}/ HTTP/1.1"), BadRequest },
        { "CONNECT with origin-form", Line("CONNECT / HTTP/1.1"), BadRequest },
        // ---- versions (EC-011) ----
        { "HTTP/2 connection preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", BadVersion },
        { "HTTP/1.2", Line($"GET {Target} HTTP/1.2"), BadVersion },
        { "HTTP/0.9 spelt out", Line($"GET {Target} HTTP/0.9"), BadVersion },
        { "HTTP/3.0", Line($"GET {Target} HTTP/3.0"), BadVersion },
        { "HTTP/0.9 simple request", "GET /x\r\n\r\n", BadRequest },
        { "lower-case version", Line($"GET {Target} http/1.1"), BadRequest },
        { "two-digit version", Line($"GET {Target} HTTP/1.10"), BadRequest },
        { "version without a dot", Line($"GET {Target} HTTP/11"), BadRequest },
        { "trailing space after the version", Line($"GET {Target} HTTP/1.1 "), BadRequest },
        // ---- methods ----
        { "non-token method", Line($"G@T {Target} HTTP/1.1"), BadRequest },
        { "empty method", Line($" {Target} HTTP/1.1"), BadRequest },
        { "NUL in the method", Line($"GE\0T {Target} HTTP/1.1"), BadRequest },
        { "non-ASCII method", Line($"G\u00c9T {Target} HTTP/1.1"), BadRequest },
        { "method with a slash", Line($"GET/1 {Target} HTTP/1.1"), BadRequest },
        // ---- Host ----
        { "missing Host on HTTP/1.1", Head($"GET {Target} HTTP/1.1"), BadRequest },
        { "conflicting Host fields", Get("Host: evil.test"), BadRequest },
        { "Host disagreeing with the target", Head($"GET {Target} HTTP/1.1", "Host: evil.test"), BadRequest },
        { "Host disagreeing on the port", Head($"GET {Target} HTTP/1.1", "Host: 127.0.0.1:1"), BadRequest },
        { "CONNECT Host disagreeing", Head("CONNECT 127.0.0.1:{port} HTTP/1.1", "Host: evil.test:443"), BadRequest },
        { "Host with userinfo", Head($"GET {Target} HTTP/1.1", "Host: user@127.0.0.1:{port}"), BadRequest },
        { "Host with a path", Head($"GET {Target} HTTP/1.1", "Host: 127.0.0.1:{port}/x"), BadRequest },
        { "empty Host", Head($"GET {Target} HTTP/1.1", "Host: "), BadRequest },
        // ---- transfer codings we do not know (RFC 9112 section 6.1, issue 12) ----
        { "TE identity, chunked", Post("Transfer-Encoding: identity, chunked") + "0\r\n\r\n", NotImplemented },
        { "TE identity then a chunked field", Post("Transfer-Encoding: identity", "Transfer-Encoding: chunked") + "0\r\n\r\n", NotImplemented },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task A_hostile_request_gets_its_exact_status_and_the_upstream_sees_no_connection_and_no_byte(string name, string request, string statusLine)
    {
        await using var upstream = Recorder();
        var response = await SendAsync(nodes.Permissive, request.Replace("{port}", upstream.Port.ToString()));
        Assert.True(response.StartsWith(statusLine + "\r\n", StringComparison.Ordinal), $"{name}: got {FirstLine(response)}");
        Assert.Equal(1, Occurrences(response, "HTTP/1.1 "));
        Assert.Equal(0, upstream.Connections);
        Assert.Empty(upstream.Received);
    }

    /// <summary>Sends the request byte for byte (Latin-1, so obs-text arrives as one byte) and reads until the proxy closes.</summary>
    internal static async Task<string> SendAsync(ProxyHarness proxy, string request)
    {
        using var socket = await proxy.ConnectRawAsync();
        await socket.SendAsync(Encoding.Latin1.GetBytes(request), SocketFlags.None);
        return await RawIo.ReadUntilCloseAsync(socket, TimeSpan.FromSeconds(10));
    }

    internal static RawUpstream Recorder() => new(async (socket, self) => await self.ReadToEndAsync(socket));

    internal static string FirstLine(string response)
    {
        var end = response.IndexOf("\r\n", StringComparison.Ordinal);
        return end < 0 ? $"'{response}'" : response[..end];
    }

    internal static int Occurrences(string text, string what)
    {
        var count = 0;
        for (var at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal)) count++;
        return count;
    }
}
