using Outcall.Http;
using static Outcall.Tests.Http.HttpText;

namespace Outcall.Tests.Http;

/// <summary>
/// Malformed and hostile request heads with the exact status each must get (FR-024, EC-006, EC-011,
/// RFC 9112). Smuggling variants come from HTTP-PITFALLS.md.
/// </summary>
public class HostileRequestSpecs
{
    private const string Get = "GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n";
    private const string Post = "POST http://example.com/ HTTP/1.1\r\nHost: example.com\r\n";
    private const string Post10 = "POST http://example.com/ HTTP/1.0\r\n";

    private static string Line(string requestLine) => requestLine + "\r\nHost: example.com\r\n\r\n";

    public static TheoryData<string, string, int> Cases => new()
    {
        // FR-024: Transfer-Encoding variants that slipped past exact-match checks elsewhere.
        { "TE chunked with a trailing comma", Post + "Transfer-Encoding: chunked,\r\n\r\n", 400 },
        { "TE chunked then gzip", Post + "Transfer-Encoding: chunked, gzip\r\n\r\n", 400 },
        { "TE with an empty element", Post + "Transfer-Encoding: gzip,,chunked\r\n\r\n", 400 },
        { "TE chunked with a parameter", Post + "Transfer-Encoding: chunked;q=1\r\n\r\n", 400 },
        { "TE xchunked", Post + "Transfer-Encoding: xchunked\r\n\r\n", 400 },
        { "TE chunkedx", Post + "Transfer-Encoding: chunkedx\r\n\r\n", 400 },
        { "TE gzip only", Post + "Transfer-Encoding: gzip\r\n\r\n", 400 },
        { "TE identity only", Post + "Transfer-Encoding: identity\r\n\r\n", 400 },
        // RFC 9112 §6.1: a coding we do not know is 501, once chunked is last (issue 12).
        { "TE identity before chunked", Post + "Transfer-Encoding: identity, chunked\r\n\r\n", 501 },
        { "TE identity field then chunked field", Post + "Transfer-Encoding: identity\r\nTransfer-Encoding: chunked\r\n\r\n", 501 },
        { "TE unknown coding before chunked", Post + "Transfer-Encoding: br, chunked\r\n\r\n", 501 },
        { "TE empty", Post + "Transfer-Encoding: \r\n\r\n", 400 },
        { "TE chunked twice in one field", Post + "Transfer-Encoding: chunked, chunked\r\n\r\n", 400 },
        { "TE chunked twice in two fields", Post + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400 },
        { "TE chunked then a second TE field with gzip", Post + "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n", 400 },
        { "TE with a quoted coding", Post + "Transfer-Encoding: \"chunked\"\r\n\r\n", 400 },
        { "TE with a vertical tab", Post + "Transfer-Encoding: chunked\v\r\n\r\n", 400 },
        { "TE with a control byte before", Post + "Transfer-Encoding: \x01chunked\r\n\r\n", 400 },
        { "TE with DEL after", Post + "Transfer-Encoding: chunked\x7f\r\n\r\n", 400 },
        { "TE with a NBSP after", Post + "Transfer-Encoding: chunked\xa0\r\n\r\n", 400 },
        { "TE with a space before the colon", Post + "Transfer-Encoding : chunked\r\n\r\n", 400 },
        { "TE with a tab before the colon", Post + "Transfer-Encoding\t: chunked\r\n\r\n", 400 },
        { "TE on HTTP/1.0", Post10 + "Transfer-Encoding: chunked\r\n\r\n", 400 },
        { "TE together with CL", Post + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 400 },
        { "CL together with TE", Post + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400 },
        { "CL zero together with TE", Post + "Content-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n", 400 },
        // FR-024: Content-Length variants.
        { "CL with a space before the colon", Post + "Content-Length : 100\r\n\r\n", 400 },
        { "CL list of equal values", Post + "Content-Length: 1000,1000\r\n\r\n", 400 },
        { "CL list with a space", Post + "Content-Length: 1000, 1000\r\n\r\n", 400 },
        { "CL two values separated by a space", Post + "Content-Length: 1000 1000\r\n\r\n", 400 },
        { "CL with a plus sign", Post + "Content-Length: +5\r\n\r\n", 400 },
        { "CL negative", Post + "Content-Length: -1\r\n\r\n", 400 },
        { "CL decimal point", Post + "Content-Length: 1000.1000\r\n\r\n", 400 },
        { "CL hexadecimal", Post + "Content-Length: 0x10\r\n\r\n", 400 },
        { "CL empty", Post + "Content-Length: \r\n\r\n", 400 },
        { "CL overflowing a long", Post + "Content-Length: 9223372036854775808\r\n\r\n", 400 },
        { "CL overflowing 64 bits", Post + "Content-Length: 18446744073709551616\r\n\r\n", 400 },
        { "CL with a control byte", Post + "Content-Length: 1000\x11\r\n\r\n", 400 },
        { "CL with a NBSP", Post + "Content-Length: 1000\xa0\r\n\r\n", 400 },
        { "two equal CL fields", Post + "Content-Length: 10\r\nContent-Length: 10\r\n\r\n", 400 },
        { "two different CL fields", Post + "Content-Length: 10\r\nContent-Length: 100\r\n\r\n", 400 },
        { "CL fields in different case", Post + "content-length: 10\r\nCONTENT-LENGTH: 10\r\n\r\n", 400 },
        { "GET with a Content-Length body", Get + "Content-Length: 10\r\n\r\n", 400 },
        { "GET with a chunked body", Get + "Transfer-Encoding: chunked\r\n\r\n", 400 },
        { "TRACE with a Content-Length body", "TRACE http://example.com/ HTTP/1.1\r\nHost: example.com\r\nContent-Length: 1\r\n\r\n", 400 },
        { "HEAD with a Content-Length body", "HEAD http://example.com/ HTTP/1.1\r\nHost: example.com\r\nContent-Length: 1\r\n\r\n", 400 },
        { "Content_Length look-alike", Post + "Content_Length: 10\r\n\r\n", 400 },
        { "transfer_encoding look-alike", Post + "transfer_encoding: chunked\r\n\r\n", 400 },
        { "CONNECT with a body", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nContent-Length: 5\r\n\r\n", 400 },
        // Line structure: obs-fold, bare CR, bare LF, NUL and other controls.
        { "obs-fold with a space", Get + "X-A: a\r\n b\r\n\r\n", 400 },
        { "obs-fold with a tab", Get + "X-A: a\r\n\tb\r\n\r\n", 400 },
        { "first field line starting with a space", "GET http://example.com/ HTTP/1.1\r\n Host: example.com\r\n\r\n", 400 },
        { "bare LF ending a field line", Get + "X-A: a\n\r\n", 400 },
        { "bare LF inside a value", Get + "X-A: a\nb\r\n\r\n", 400 },
        { "bare CR inside a value", Get + "X-A: a\rb\r\n\r\n", 400 },
        { "bare CR ending the head", Get + "\r\r\n", 400 },
        { "bare LF ending the request line", "GET http://example.com/ HTTP/1.1\nHost: example.com\r\n\r\n", 400 },
        { "bare LF head end", Get + "\n", 400 },
        { "bare LFs only", "GET http://example.com/ HTTP/1.1\n\n", 400 },
        { "LF CR order", Get + "\n\r", 400 },
        { "NUL in a value", Get + "X-A: a\x00b\r\n\r\n", 400 },
        { "NUL in a name", Get + "X-A\x00: b\r\n\r\n", 400 },
        { "NUL at the start of a line", Get + "\x00X-A: b\r\n\r\n", 400 },
        { "control byte in a value", Get + "X-A: \x01\r\n\r\n", 400 },
        { "escape byte in a value", Get + "X-A: \x1b[31m\r\n\r\n", 400 },
        { "DEL in a value", Get + "X-A: a\x7f\r\n\r\n", 400 },
        { "obs-text in a value", Get + "X-A: caf\xe9\r\n\r\n", 400 },
        { "UTF-8 in a value", Get + "X-A: \xc2\x85\r\n\r\n", 400 },
        // Field names.
        { "space before the colon", Get + "X-A : b\r\n\r\n", 400 },
        { "space inside a name", Get + "X A: b\r\n\r\n", 400 },
        { "empty name", Get + ": b\r\n\r\n", 400 },
        { "line without a colon", Get + "X-A b\r\n\r\n", 400 },
        { "control byte before a name", Get + "\x01X-A: b\r\n\r\n", 400 },
        { "underscore-free but slash in a name", Get + "X/A: b\r\n\r\n", 400 },
        { "non-ASCII in a name", Get + "Transfer-Encod\xc4\xb1ng: chunked\r\n\r\n", 400 },
        { "quote in a name", Get + "X\"A: b\r\n\r\n", 400 },
        // Reserved prefix.
        { "x-outcall- field", Get + "X-Outcall-Block-Reason: none\r\n\r\n", 400 },
        { "x-outcall- field in lower case", Get + "x-outcall-agent: me\r\n\r\n", 400 },
        { "x-outcall- field in odd case", Get + "X-OUTCALL-anything: 1\r\n\r\n", 400 },
        // Request line.
        { "empty request line", "\r\nGET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n", 400 },
        { "two spaces after the method", Line("GET  http://example.com/ HTTP/1.1"), 400 },
        { "two spaces before the version", Line("GET http://example.com/  HTTP/1.1"), 400 },
        { "tab as separator", Line("GET\thttp://example.com/ HTTP/1.1"), 400 },
        { "trailing space after the version", Line("GET http://example.com/ HTTP/1.1 "), 400 },
        { "leading space before the method", Line(" GET http://example.com/ HTTP/1.1"), 400 },
        { "method with a control byte", Line("bad_method\x01 http://example.com/ HTTP/1.1"), 400 },
        { "method with a slash", Line("GE/T http://example.com/ HTTP/1.1"), 400 },
        { "missing version", Line("GET http://example.com/"), 400 },
        { "HTTP/0.9 style line", Line("GET /"), 400 },
        { "lowercase version", Line("GET http://example.com/ http/1.1"), 400 },
        { "version without minor", Line("GET http://example.com/ HTTP/1"), 400 },
        { "version with two-digit major", Line("GET http://example.com/ HTTP/11.1"), 400 },
        { "duplicated version", Line("GET http://example.com/ HTTP/1.1 HTTP/1.1"), 400 },
        { "version HTTP/1.2", Line("GET http://example.com/ HTTP/1.2"), 505 },
        { "version HTTP/0.9", Line("GET http://example.com/ HTTP/0.9"), 505 },
        { "version HTTP/2.0", Line("GET http://example.com/ HTTP/2.0"), 505 },
        { "version HTTP/3.0", Line("GET http://example.com/ HTTP/3.0"), 505 },
        { "HTTP/2 connection preface (EC-011)", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505 },
        // Targets.
        { "tab inside the target", Line("GET http://example.com/a\tb HTTP/1.1"), 400 },
        { "NUL inside the target", Line("GET http://example.com/a\x00b HTTP/1.1"), 400 },
        { "DEL inside the target", Line("GET http://example.com/a\x7f HTTP/1.1"), 400 },
        { "UTF-8 inside the target", Line("GET http://example.com/\xd1\x81 HTTP/1.1"), 400 },
        { "fragment in the target", Line("GET http://example.com/a#frag HTTP/1.1"), 400 },
        { "backslash in the target", Line("GET http://example.com/a\\b HTTP/1.1"), 400 },
        { "bad percent-escape", Line("GET http://example.com/a%zz HTTP/1.1"), 400 },
        { "truncated percent-escape", Line("GET http://example.com/a% HTTP/1.1"), 400 },
        // Dot segments are removed (issue 12), but not above the root, nor hidden behind an encoded slash.
        { "dot-dot segment above the root", Line("GET http://example.com/../b HTTP/1.1"), 400 },
        { "encoded dot-dot segment above the root", Line("GET http://example.com/a/%2E%2e/%2e./b HTTP/1.1"), 400 },
        { "dot-dot behind an encoded slash", Line("GET http://example.com/a/..%2fadmin HTTP/1.1"), 400 },
        { "encoded dot-dot behind an encoded backslash", Line("GET http://example.com/a/x%5c%2e%2e%5cadmin HTTP/1.1"), 400 },
        { "dot-dot with a path parameter (Tomcat reads it as ..)", Line("GET http://example.com/a/..;/admin HTTP/1.1"), 400 },
        { "dot with a path parameter", Line("GET http://example.com/a/.;x=1/b HTTP/1.1"), 400 },
        { "encoded dot-dot with a path parameter", Line("GET http://example.com/a/%2e%2e;/admin HTTP/1.1"), 400 },
        { "dot-dot above the root in origin-form", "GET /../outcall-health HTTP/1.1\r\nHost: proxy\r\n\r\n", 400 },
        { "wss scheme in absolute-form", Line("GET wss://example.com/ HTTP/1.1"), 400 },
        { "numeric host with a trailing dot", "GET http://127.0.0.1./ HTTP/1.1\r\nHost: 127.0.0.1.\r\n\r\n", 400 },
        { "host of only a root dot", "GET http://./ HTTP/1.1\r\nHost: .\r\n\r\n", 400 },
        { "host with two trailing dots", "GET http://example.com../ HTTP/1.1\r\nHost: example.com..\r\n\r\n", 400 },
        { "userinfo in the target", Line("GET http://user@example.com/ HTTP/1.1"), 400 },
        { "userinfo with a password", Line("GET http://user:pw@example.com/ HTTP/1.1"), 400 },
        { "empty host", "GET http:///path HTTP/1.1\r\nHost: \r\n\r\n", 400 },
        { "ftp scheme", Line("GET ftp://example.com/ HTTP/1.1"), 400 },
        { "scheme without slashes", Line("GET http:example.com/ HTTP/1.1"), 400 },
        { "port zero", Line("GET http://example.com:0/ HTTP/1.1"), 400 },
        { "port too large", Line("GET http://example.com:65536/ HTTP/1.1"), 400 },
        { "port with a sign", Line("GET http://example.com:+80/ HTTP/1.1"), 400 },
        { "port with a leading zero", Line("GET http://example.com:080/ HTTP/1.1"), 400 },
        { "empty port", Line("GET http://example.com:/ HTTP/1.1"), 400 },
        { "non-numeric port", Line("GET http://example.com:http/ HTTP/1.1"), 400 },
        { "host with an empty label", Line("GET http://example..com/ HTTP/1.1"), 400 },
        { "host with a percent-escape", Line("GET http://ex%61mple.com/ HTTP/1.1"), 400 },
        { "host label starting with a hyphen", Line("GET http://-example.com/ HTTP/1.1"), 400 },
        { "decimal IPv4 literal", "GET http://2130706433/ HTTP/1.1\r\nHost: 2130706433\r\n\r\n", 400 },
        { "octal IPv4 literal", "GET http://0177.0.0.1/ HTTP/1.1\r\nHost: 0177.0.0.1\r\n\r\n", 400 },
        { "hex IPv4 literal", "GET http://0x7f.0.0.1/ HTTP/1.1\r\nHost: 0x7f.0.0.1\r\n\r\n", 400 },
        { "short IPv4 literal", "GET http://127.1/ HTTP/1.1\r\nHost: 127.1\r\n\r\n", 400 },
        { "IPv4 octet above 255", "GET http://1.2.3.256/ HTTP/1.1\r\nHost: 1.2.3.256\r\n\r\n", 400 },
        { "IPv6 without brackets", Line("GET http://::1/ HTTP/1.1"), 400 },
        { "IPv6 with a zone id", "GET http://[fe80::1%25eth0]/ HTTP/1.1\r\nHost: [fe80::1%25eth0]\r\n\r\n", 400 },
        { "IPv6 with an unclosed bracket", Line("GET http://[::1/ HTTP/1.1"), 400 },
        { "IPv6 literal that is not an address", "GET http://[::g]/ HTTP/1.1\r\nHost: [::g]\r\n\r\n", 400 },
        { "IPv4 address in brackets", "GET http://[127.0.0.1]/ HTTP/1.1\r\nHost: [127.0.0.1]\r\n\r\n", 400 },
        { "IPvFuture literal", "GET http://[v1.x]/ HTTP/1.1\r\nHost: [v1.x]\r\n\r\n", 400 },
        { "junk after the IPv6 bracket", Line("GET http://[::1]x/ HTTP/1.1"), 400 },
        { "authority-form with GET", Line("GET example.com:443 HTTP/1.1"), 400 },
        { "CONNECT with absolute-form", Line("CONNECT http://example.com:443/ HTTP/1.1"), 400 },
        { "CONNECT with origin-form", Line("CONNECT / HTTP/1.1"), 400 },
        { "CONNECT without a port", Line("CONNECT example.com HTTP/1.1"), 400 },
        { "CONNECT with an empty port", Line("CONNECT example.com: HTTP/1.1"), 400 },
        { "CONNECT to an IPv6 literal without a port", "CONNECT [2001:db8::1] HTTP/1.1\r\nHost: [2001:db8::1]\r\n\r\n", 400 },
        { "CONNECT with userinfo", Line("CONNECT user@example.com:443 HTTP/1.1"), 400 },
        { "asterisk with GET", Line("GET * HTTP/1.1"), 400 },
        { "relative target", Line("GET a/b HTTP/1.1"), 400 },
        // Host (RFC 9112 §3.2).
        { "missing Host on HTTP/1.1", "GET http://example.com/ HTTP/1.1\r\n\r\n", 400 },
        { "missing Host on origin-form HTTP/1.1", "GET / HTTP/1.1\r\n\r\n", 400 },
        { "Host disagreeing with the target", "GET http://example.com/ HTTP/1.1\r\nHost: evil.com\r\n\r\n", 400 },
        { "Host with a different port", "GET http://example.com/ HTTP/1.1\r\nHost: example.com:8080\r\n\r\n", 400 },
        { "Host default port against an explicit other port", "GET http://example.com:8080/ HTTP/1.1\r\nHost: example.com\r\n\r\n", 400 },
        { "two different Host fields", Get + "Host: evil.com\r\n\r\n", 400 },
        { "Host with userinfo", "GET http://example.com/ HTTP/1.1\r\nHost: u@example.com\r\n\r\n", 400 },
        { "empty Host with absolute-form", "GET http://example.com/ HTTP/1.1\r\nHost: \r\n\r\n", 400 },
        { "Host list", "GET http://example.com/ HTTP/1.1\r\nHost: example.com, evil.com\r\n\r\n", 400 },
        { "Host with a space before the colon", "GET http://example.com/ HTTP/1.1\r\nHost : example.com\r\n\r\n", 400 },
        { "CONNECT Host naming another host", "CONNECT example.com:443 HTTP/1.1\r\nHost: evil.com:443\r\n\r\n", 400 },
        { "CONNECT Host naming another port", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:444\r\n\r\n", 400 },
        { "CONNECT without Host on HTTP/1.1", "CONNECT example.com:443 HTTP/1.1\r\n\r\n", 400 },
        // Connection, Upgrade and Expect.
        { "h2c next to an invalid Upgrade protocol", Get + "Connection: Upgrade\r\nUpgrade: h2c, web socket\r\n\r\n", 400 },
        // Max-Forwards (RFC 9110 §7.6.2) on the methods it counts for.
        { "TRACE with a non-numeric Max-Forwards", "TRACE http://example.com/ HTTP/1.1\r\nHost: example.com\r\nMax-Forwards: one\r\n\r\n", 400 },
        { "TRACE with a negative Max-Forwards", "TRACE http://example.com/ HTTP/1.1\r\nHost: example.com\r\nMax-Forwards: -1\r\n\r\n", 400 },
        { "OPTIONS with two Max-Forwards", "OPTIONS http://example.com/ HTTP/1.1\r\nHost: example.com\r\nMax-Forwards: 1\r\nMax-Forwards: 1\r\n\r\n", 400 },
        { "OPTIONS with an empty Max-Forwards", "OPTIONS http://example.com/ HTTP/1.1\r\nHost: example.com\r\nMax-Forwards: \r\n\r\n", 400 },
        { "invalid Upgrade protocol", Get + "Connection: Upgrade\r\nUpgrade: web socket\r\n\r\n", 400 },
        { "invalid Connection token", Get + "Connection: keep alive\r\n\r\n", 400 },
        { "unknown expectation", Get + "Expect: something-else\r\n\r\n", 417 },
        { "100-continue with a parameter", Get + "Expect: 100-continue; x=1\r\n\r\n", 417 },
        { "two expectations", Get + "Expect: 100-continue, other\r\n\r\n", 417 },
        // Size limits (EC-006).
        { "too many fields", Get + string.Concat(Enumerable.Range(0, 100).Select(i => $"X-F{i}: v\r\n")) + "\r\n", 431 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_hostile_request_head_gets_its_exact_status(string description, string head, int status)
    {
        var result = ParseRequest(head);
        Assert.True(result.Status == HeadParseStatus.Error, $"{description}: expected an error, got {result.Status}");
        Assert.Equal(status, result.StatusCode);
        Assert.False(string.IsNullOrEmpty(result.Reason));
    }

    [Fact]
    public void The_table_holds_at_least_a_hundred_cases() => Assert.True(Cases.Count >= 100);

    [Fact]
    public void A_head_without_an_end_beyond_the_limit_is_431_EC006()
    {
        var head = Bytes(Get + "X-Big: " + new string('a', 9000));
        var result = RequestHeadParser.Parse(head, MaxHead);
        Assert.Equal(HeadParseStatus.Error, result.Status);
        Assert.Equal(431, result.StatusCode);
    }

    [Fact]
    public void A_head_ending_one_byte_beyond_the_limit_is_431()
    {
        var text = Get + "X-Pad: ";
        text += new string('a', MaxHead - text.Length - 3) + "\r\n\r\n";
        Assert.Equal(MaxHead + 1, text.Length);
        var result = RequestHeadParser.Parse(Bytes(text), MaxHead);
        Assert.Equal(431, result.StatusCode);
    }

    [Fact]
    public void A_head_of_exactly_the_limit_is_accepted()
    {
        var text = Get + "X-Pad: ";
        text += new string('a', MaxHead - text.Length - 4) + "\r\n\r\n";
        Assert.Equal(MaxHead, text.Length);
        var result = RequestHeadParser.Parse(Bytes(text), MaxHead);
        Assert.Equal(HeadParseStatus.Complete, result.Status);
        Assert.Equal(MaxHead, result.Consumed);
    }

    [Fact]
    public void Reasons_never_echo_header_values()
    {
        var result = ParseRequest(Get + "X-Secret: token-1234\x01\r\n\r\n");
        Assert.DoesNotContain("token-1234", result.Reason);
    }
}
