// CONTRACT FILE: the public surface of the HTTP/1.1 codecs, relied on by Proxy/.
// The HTTP work replaces the NotImplementedException bodies and may split types into their own
// files, but must keep these names and signatures. Pure code: no actors, no sockets.
namespace Outcall.Http;

public enum TargetForm { Origin, Absolute, Authority, Asterisk }

public enum BodyFraming { None, ContentLength, Chunked, UntilClose }

/// <summary>One header field as received (name in its original case, value trimmed of OWS).</summary>
public readonly record struct HeaderField(string Name, string Value);

/// <summary>A parsed, validated request head (RFC 9112). Everything here has passed the strict checks.</summary>
public sealed class RequestHead
{
    public required string Method { get; init; }
    public required TargetForm TargetForm { get; init; }
    /// <summary>"http" for absolute-form http URIs, "https" when a client sent one, "" otherwise.</summary>
    public string Scheme { get; init; } = "";
    /// <summary>Target host, lowercased; IPv6 literals without brackets. "" for origin/asterisk form.</summary>
    public string Host { get; init; } = "";
    /// <summary>Target port (default 80 for http absolute-form; required for authority-form).</summary>
    public int Port { get; init; }
    /// <summary>The validated authority as host[:port] with IPv6 in brackets (http.host).</summary>
    public string Authority { get; init; } = "";
    /// <summary>What goes on the upstream request line: path and query, "/" when empty.</summary>
    public string PathAndQuery { get; init; } = "/";
    /// <summary>Path without the query (http.path); "/" for CONNECT.</summary>
    public string Path { get; init; } = "/";
    /// <summary>0 for HTTP/1.0, 1 for HTTP/1.1.</summary>
    public int VersionMinor { get; init; } = 1;
    /// <summary>All fields in order (duplicate identical Host fields already collapsed).</summary>
    public required IReadOnlyList<HeaderField> Headers { get; init; }
    public BodyFraming Framing { get; init; }
    /// <summary>Declared length when Framing is ContentLength, else 0.</summary>
    public long ContentLength { get; init; }
    /// <summary>Whether the client asked for (or by version defaults to) a persistent connection.</summary>
    public bool KeepAlive { get; init; }
    /// <summary>The Upgrade protocol token list when Connection names "upgrade", else null.</summary>
    public string? Upgrade { get; init; }
    public bool ExpectContinue { get; init; }
}

/// <summary>A parsed, validated response head.</summary>
public sealed class ResponseHead
{
    public required int StatusCode { get; init; }
    public string ReasonPhrase { get; init; } = "";
    public int VersionMinor { get; init; } = 1;
    public required IReadOnlyList<HeaderField> Headers { get; init; }
    /// <summary>Resolved with the request method: HEAD, 1xx, 204, 304 -> None; CL; chunked; else UntilClose.</summary>
    public BodyFraming Framing { get; init; }
    public long ContentLength { get; init; }
    /// <summary>Whether the upstream connection may be reused after this response.</summary>
    public bool KeepAlive { get; init; }
}

public enum HeadParseStatus { NeedMoreData, Complete, Error }

/// <summary>
/// Result of looking for a complete head at the start of a buffer. Complete: Head is set and Consumed
/// is the head's length including the final CRLFCRLF. Error: StatusCode (400, 431, 501, 505 for requests;
/// 502 for responses) and a Reason fit for a log line and a response body (never echoes header values).
/// </summary>
public readonly record struct HeadParseResult<T>(HeadParseStatus Status, T? Head, int Consumed, int StatusCode, string? Reason)
    where T : class
{
    public static HeadParseResult<T> NeedMore => new(HeadParseStatus.NeedMoreData, null, 0, 0, null);
    public static HeadParseResult<T> Done(T head, int consumed) => new(HeadParseStatus.Complete, head, consumed, 0, null);
    public static HeadParseResult<T> Fail(int status, string reason) => new(HeadParseStatus.Error, null, 0, status, reason);
}

public static class RequestHeadParser
{
    /// <summary>
    /// Strict RFC 9112 parse of the request head at the start of <paramref name="buffer"/>.
    /// NeedMoreData while no CRLFCRLF is found within <paramref name="maxHeaderBytes"/>; 431 once the head
    /// exceeds it. Rejects (400) ambiguous framing (FR-024), bad Host (missing on 1.1, conflicting,
    /// disagreeing with the absolute-form or CONNECT authority), x-outcall-* fields, obs-fold, bare CR/LF,
    /// NUL/controls, whitespace before a colon, invalid method/target; 505 for versions other than 1.0/1.1
    /// (an HTTP/2 preface included, EC-011).
    /// </summary>
    public static HeadParseResult<RequestHead> Parse(ReadOnlySpan<byte> buffer, int maxHeaderBytes) => throw new NotImplementedException();
}

public static class ResponseHeadParser
{
    /// <summary>Parses an upstream response head; any ambiguity (CL+TE, bad CL, ...) is a 502 error.</summary>
    public static HeadParseResult<ResponseHead> Parse(ReadOnlySpan<byte> buffer, int maxHeaderBytes, string requestMethod) => throw new NotImplementedException();
}

/// <summary>Re-serialises heads; the raw bytes a peer sent for a head are never forwarded.</summary>
public static class HeadWriter
{
    /// <summary>
    /// Origin-form request line, Host first, all fields but hop-by-hop ones (FR-020: Connection,
    /// Proxy-Connection, Keep-Alive, Transfer-Encoding, TE, Trailer, Upgrade, Proxy-Authorization,
    /// Proxy-Authenticate, and every field named in Connection), then the framing of our own
    /// (Content-Length n, or Transfer-Encoding: chunked). For an Upgrade request (EC-014) Connection: Upgrade
    /// and the Upgrade field are kept. Always HTTP/1.1 upstream.
    /// </summary>
    public static byte[] UpstreamRequest(RequestHead head) => throw new NotImplementedException();

    /// <summary>
    /// Status line and fields for the client: hop-by-hop and x-outcall-* fields removed, framing of our
    /// own (Content-Length, or Transfer-Encoding: chunked when the upstream body is chunked; nothing for
    /// UntilClose, where the proxy closes after the body), Connection: close when !keepAlive.
    /// A 101 keeps Connection: Upgrade and Upgrade.
    /// </summary>
    public static byte[] ClientResponse(ResponseHead head, bool keepAlive) => throw new NotImplementedException();
}

public enum ChunkedStatus { NeedMoreData, Data, Completed, Error }

/// <summary>
/// Streaming, strict decoder for a chunked body (RFC 9112 §7.1): hex sizes without junk or overflow,
/// CRLF after data, chunk extensions and trailer fields bounded in size and discarded.
/// One instance per body; not thread-safe.
/// </summary>
public sealed class ChunkedDecoder
{
    /// <summary>
    /// Consumes from <paramref name="input"/>. Data: the decoded bytes are input[dataOffset..dataOffset+dataLength]
    /// and <paramref name="consumed"/> counts everything up to and including them. NeedMoreData: all input
    /// consumed, call again with more. Completed: the last chunk and trailers were read; consumed ends
    /// right after the body, so bytes after it belong to the next message. Error: see Error.
    /// </summary>
    public ChunkedStatus Decode(ReadOnlySpan<byte> input, out int consumed, out int dataOffset, out int dataLength) => throw new NotImplementedException();

    public string? Error { get; private set; }
}

public static class ChunkedEncoder
{
    /// <summary>Writes "{length:x}\r\n" into destination and returns the bytes written (length > 0).</summary>
    public static int WriteChunkHeader(Span<byte> destination, int length) => throw new NotImplementedException();
    public static ReadOnlySpan<byte> ChunkEnd => "\r\n"u8;
    public static ReadOnlySpan<byte> LastChunk => "0\r\n\r\n"u8;
}
