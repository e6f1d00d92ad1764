using static Outcall.Http.HttpSyntax;

namespace Outcall.Http;

public static class RequestHeadParser
{
    /// <summary>
    /// Strict RFC 9112 parse of the request head at the start of <paramref name="buffer"/>.
    /// NeedMoreData while no CRLFCRLF is found within <paramref name="maxHeaderBytes"/>; 431 once the head
    /// exceeds it or carries more than 100 fields. Rejects (400) ambiguous framing (FR-024), bad Host
    /// (missing on 1.1, conflicting, disagreeing with the absolute-form or CONNECT authority), x-outcall-*
    /// fields, obs-fold, bare CR/LF, NUL/controls, obs-text, whitespace before a colon, invalid
    /// method/target, a body on GET/HEAD/CONNECT, Content_Length/Transfer_Encoding look-alikes,
    /// an HTTP/2 upgrade (h2c, EC-011); 505 for versions other than 1.0/1.1 (an HTTP/2
    /// preface included, EC-011); 417 for an expectation other than 100-continue.
    /// Lines are checked in order as they arrive, so a hostile line fails as soon as it is complete
    /// and a head split anywhere parses exactly as it does in one piece.
    /// An "https" absolute-form target is accepted and reported with Scheme "https" (default port 443);
    /// whether to serve it is the proxy's decision.
    /// </summary>
    public static HeadParseResult<RequestHead> Parse(ReadOnlySpan<byte> buffer, int maxHeaderBytes)
    {
        var window = buffer[..Math.Clamp(maxHeaderBytes, 0, buffer.Length)];
        var overLimit = buffer.Length >= maxHeaderBytes;

        var scan = HeadLines.Next(window, 0, out var end, out var pos);
        if (scan != LineScan.Line) return Incomplete(scan, overLimit);
        if (end == 0) return Bad("empty line before the request line");
        var (lineStatus, lineReason) = TryParseRequestLine(window[..end], out var method, out var target, out var versionMinor);
        if (lineReason is not null) return HeadParseResult<RequestHead>.Fail(lineStatus, lineReason);

        switch (HeadLines.ScanFields(window, pos, clientFields: true, out var headEnd, out var fieldError))
        {
            case FieldScan.NeedMore:
                return Incomplete(LineScan.NeedMore, overLimit);
            case FieldScan.TooMany:
                return HeadParseResult<RequestHead>.Fail(431, "too many header fields");
            case FieldScan.Invalid:
                return Bad(fieldError!);
        }
        return Interpret(method, target!, versionMinor, HeadLines.ReadFields(window, pos, headEnd), headEnd);
    }

    private static HeadParseResult<RequestHead> Incomplete(LineScan scan, bool overLimit) => scan switch
    {
        LineScan.NeedMore when overLimit => HeadParseResult<RequestHead>.Fail(431, "request head too large"),
        LineScan.NeedMore => HeadParseResult<RequestHead>.NeedMore,
        _ => Bad(HeadLines.Describe(scan)),
    };

    private static HeadParseResult<RequestHead> Bad(string reason) => HeadParseResult<RequestHead>.Fail(400, reason);

    /// <summary>method SP request-target SP HTTP-version, single spaces. The version is judged before the target so an HTTP/2 preface ("PRI * HTTP/2.0") gets 505.</summary>
    private static (int Status, string? Reason) TryParseRequestLine(ReadOnlySpan<byte> line, out string method, out RequestTarget? target, out int versionMinor)
    {
        method = "";
        target = null;
        versionMinor = 1;
        var firstSp = line.IndexOf(Sp);
        if (firstSp <= 0 || !IsToken(line[..firstSp])) return (400, "invalid method");
        var afterMethod = line[(firstSp + 1)..];
        var secondSp = afterMethod.IndexOf(Sp);
        if (secondSp <= 0) return (400, "malformed request line");
        var version = afterMethod[(secondSp + 1)..];
        if (version.SequenceEqual("HTTP/1.1"u8)) versionMinor = 1;
        else if (version.SequenceEqual("HTTP/1.0"u8)) versionMinor = 0;
        else if (IsWellFormedVersion(version)) return (505, "HTTP version not supported");
        else return (400, "malformed HTTP version");

        method = Ascii(line[..firstSp]);
        var error = RequestTarget.TryParse(method, Ascii(afterMethod[..secondSp]), out target);
        return error is null ? (0, null) : (400, error);
    }

    internal static bool IsWellFormedVersion(ReadOnlySpan<byte> version) =>
        version.Length == 8 && version.StartsWith("HTTP/"u8) && IsDigit(version[5]) && version[6] == (byte)'.' && IsDigit(version[7]);

    private static HeadParseResult<RequestHead> Interpret(string method, RequestTarget target, int versionMinor, List<HeaderField> fields, int consumed)
    {
        var hostError = CheckHost(target, versionMinor, fields);
        if (hostError is not null) return Bad(hostError);

        var framingError = ResolveFraming(method, versionMinor, fields, out var framing, out var contentLength);
        if (framingError is not null) return Bad(framingError);

        var connectionError = MessageFields.TryConnectionOptions(fields, out var options);
        if (connectionError is not null) return Bad(connectionError);

        var upgradeError = ResolveUpgrade(fields, options, out var upgrade);
        if (upgradeError is not null) return Bad(upgradeError);

        var expectations = MessageFields.Values(fields, "Expect").ToList();
        if (expectations.Count > 1 || (expectations.Count == 1 && !expectations[0].Equals("100-continue", StringComparison.OrdinalIgnoreCase)))
            return HeadParseResult<RequestHead>.Fail(417, "unsupported expectation");

        var authority = target.Endpoint;
        var head = new RequestHead
        {
            Method = method,
            TargetForm = target.Form,
            Scheme = target.Scheme,
            Host = authority?.Host ?? "",
            Port = authority is { } a ? (a.Port > 0 ? a.Port : RequestTarget.DefaultPort(target.Scheme)) : 0,
            Authority = authority?.Text ?? "",
            PathAndQuery = target.PathAndQuery,
            Path = target.Path,
            VersionMinor = versionMinor,
            Headers = fields,
            Framing = framing,
            ContentLength = contentLength,
            KeepAlive = MessageFields.KeepAlive(versionMinor, options),
            Upgrade = upgrade,
            // RFC 9110 §10.1.1: a 100-continue from an HTTP/1.0 client is ignored.
            ExpectContinue = expectations.Count == 1 && versionMinor == 1,
        };
        return HeadParseResult<RequestHead>.Done(head, consumed);
    }

    /// <summary>RFC 9112 §3.2; identical duplicates collapse to the first (removed from <paramref name="fields"/>).</summary>
    private static string? CheckHost(RequestTarget target, int versionMinor, List<HeaderField> fields)
    {
        string? hostValue = null;
        for (var i = 0; i < fields.Count; i++)
        {
            if (!MessageFields.Is(fields[i], "Host")) continue;
            if (hostValue is null)
            {
                hostValue = fields[i].Value;
                continue;
            }
            if (!fields[i].Value.Equals(hostValue, StringComparison.OrdinalIgnoreCase)) return "conflicting Host fields";
            fields.RemoveAt(i--);
        }
        if (hostValue is null) return versionMinor == 1 ? "missing Host" : null;
        if (!Authority.TryParse(hostValue, portRequired: false, out var host)) return "invalid Host";
        if (target.Endpoint is not { } authority) return null;
        var agrees = target.Form == TargetForm.Authority
            ? host.Host == authority.Host && (host.Port == 0 || host.Port == authority.Port)
            : host.Host == authority.Host && EffectivePort(host, target.Scheme) == EffectivePort(authority, target.Scheme);
        return agrees ? null : "Host does not match the request-target";
    }

    private static int EffectivePort(Authority authority, string scheme) => authority.Port > 0 ? authority.Port : RequestTarget.DefaultPort(scheme);

    /// <summary>FR-024 / RFC 9112 §6: exactly one way to find where the body ends, or 400.</summary>
    private static string? ResolveFraming(string method, int versionMinor, List<HeaderField> fields, out BodyFraming framing, out long contentLength)
    {
        framing = BodyFraming.None;
        contentLength = 0;
        var error = MessageFields.TryFramingFields(fields, versionMinor, "request", out var declared, out var codings);
        if (error is not null) return error;
        if (codings is not null)
        {
            if (!MessageFields.IsChunkedLast(codings)) return "Transfer-Encoding must end with a single chunked";
            framing = BodyFraming.Chunked;
        }
        else if (declared is { } length)
        {
            framing = BodyFraming.ContentLength;
            contentLength = length;
        }
        // Content in CONNECT, GET or HEAD has no defined semantics (RFC 9110 §9.3): an origin that ignores it
        // would read the body as the next request, past the rules. For CONNECT the bytes belong to the tunnel.
        var hasBody = framing == BodyFraming.Chunked || contentLength > 0;
        if (hasBody && method is "CONNECT" or "GET" or "HEAD") return "body on a GET, HEAD or CONNECT request";
        return null;
    }

    /// <summary>
    /// Upgrade is honoured only when Connection names it (RFC 9110 §7.8). h2c is refused in any
    /// Upgrade field: HTTP/1.1 only (EC-011), and the answer is a plain HTTP/1.1 400.
    /// </summary>
    private static string? ResolveUpgrade(List<HeaderField> fields, List<string> options, out string? upgrade)
    {
        upgrade = null;
        var values = MessageFields.Values(fields, "Upgrade").ToList();
        foreach (var value in values)
            foreach (var protocol in HttpSyntax.ListElements(value))
            {
                var slash = protocol.IndexOf('/');
                var name = slash < 0 ? protocol : protocol[..slash];
                if (!IsToken(name) || (slash >= 0 && !IsToken(protocol.AsSpan(slash + 1)))) return "invalid Upgrade";
                if (name.Equals("h2c", StringComparison.OrdinalIgnoreCase)) return "HTTP/2 upgrade is not supported";
            }
        if (values.Count > 0 && options.Contains("upgrade")) upgrade = string.Join(", ", values);
        return null;
    }
}
