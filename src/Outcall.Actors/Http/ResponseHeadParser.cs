using static Outcall.Http.HttpSyntax;

namespace Outcall.Http;

public static class ResponseHeadParser
{
    /// <summary>
    /// Parses an upstream response head with the same line and field rules as requests; any violation or
    /// ambiguity (CL+TE, bad or duplicate CL, TE on HTTP/1.0, chunked not last, oversized head) is a 502.
    /// Framing follows RFC 9112 §6.3 with the request method: HEAD, 1xx (101 included), 204, 304 and a
    /// 2xx to CONNECT have no body; then chunked, Content-Length, else until close.
    /// </summary>
    public static HeadParseResult<ResponseHead> Parse(ReadOnlySpan<byte> buffer, int maxHeaderBytes, string requestMethod)
    {
        var window = buffer[..Math.Clamp(maxHeaderBytes, 0, buffer.Length)];
        var overLimit = buffer.Length >= maxHeaderBytes;

        var scan = HeadLines.Next(window, 0, out var end, out var pos);
        if (scan != LineScan.Line) return Incomplete(scan, overLimit);
        var lineError = TryParseStatusLine(window[..end], out var versionMinor, out var statusCode, out var reason);
        if (lineError is not null) return Bad(lineError);

        switch (HeadLines.ScanFields(window, pos, out var headEnd, out var fieldError))
        {
            case FieldScan.NeedMore:
                return Incomplete(LineScan.NeedMore, overLimit);
            case FieldScan.TooMany:
                return Bad("too many header fields");
            case FieldScan.Invalid:
                return Bad(fieldError!);
        }
        var fields = HeadLines.ReadFields(window, pos, headEnd);
        pos = headEnd;

        var framingError = ResolveFraming(requestMethod, statusCode, versionMinor, fields, out var framing, out var contentLength);
        if (framingError is not null) return Bad(framingError);
        var connectionError = MessageFields.TryConnectionOptions(fields, out var options);
        if (connectionError is not null) return Bad(connectionError);
        var head = new ResponseHead
        {
            StatusCode = statusCode,
            ReasonPhrase = reason,
            VersionMinor = versionMinor,
            Headers = fields,
            Framing = framing,
            ContentLength = contentLength,
            KeepAlive = statusCode != 101 && framing != BodyFraming.UntilClose && MessageFields.KeepAlive(versionMinor, options),
        };
        return HeadParseResult<ResponseHead>.Done(head, pos);
    }

    private static HeadParseResult<ResponseHead> Incomplete(LineScan scan, bool overLimit) => scan switch
    {
        LineScan.NeedMore when overLimit => Bad("response head too large"),
        LineScan.NeedMore => HeadParseResult<ResponseHead>.NeedMore,
        _ => Bad(HeadLines.Describe(scan)),
    };

    private static HeadParseResult<ResponseHead> Bad(string reason) => HeadParseResult<ResponseHead>.Fail(502, "bad upstream response: " + reason);

    /// <summary>HTTP-version SP 3DIGIT [SP reason-phrase]; the SP before an empty reason may be missing (RFC 9112 §4).</summary>
    private static string? TryParseStatusLine(ReadOnlySpan<byte> line, out int versionMinor, out int statusCode, out string reason)
    {
        versionMinor = 1;
        statusCode = 0;
        reason = "";
        if (line.Length < 12 || line[8] != Sp) return "malformed status line";
        var version = line[..8];
        if (version.SequenceEqual("HTTP/1.1"u8)) versionMinor = 1;
        else if (version.SequenceEqual("HTTP/1.0"u8)) versionMinor = 0;
        else return "unsupported HTTP version";
        var code = line[9..12];
        foreach (var b in code)
            if (!IsDigit(b)) return "malformed status code";
        statusCode = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
        if (statusCode is < 100 or > 599) return "status code out of range";
        if (line.Length == 12) return null;
        if (line[12] != Sp) return "malformed status line";
        var phrase = line[13..];
        foreach (var b in phrase)
            if (!IsFieldValueByte(b)) return "invalid character in the reason phrase";
        reason = Ascii(phrase);
        return null;
    }

    private static string? ResolveFraming(string requestMethod, int statusCode, int versionMinor, List<HeaderField> fields, out BodyFraming framing, out long contentLength)
    {
        framing = BodyFraming.None;
        contentLength = 0;
        var error = MessageFields.TryFramingFields(fields, versionMinor, "response", out var declared, out var codings);
        if (error is not null) return error;
        if (codings is not null && MessageFields.ContainsChunked(codings) && !MessageFields.IsChunkedLast(codings))
            return "chunked is not the final coding";
        var bodiless = requestMethod == "HEAD" || statusCode is < 200 or 204 or 304
                       || (requestMethod == "CONNECT" && statusCode is >= 200 and < 300);
        if (bodiless) return null;
        if (codings is not null)
        {
            framing = MessageFields.IsChunkedLast(codings) ? BodyFraming.Chunked : BodyFraming.UntilClose;
        }
        else if (declared is { } length)
        {
            framing = BodyFraming.ContentLength;
            contentLength = length;
        }
        else
        {
            framing = BodyFraming.UntilClose;
        }
        return null;
    }
}
