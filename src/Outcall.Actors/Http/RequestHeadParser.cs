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
    /// method/target, a body on GET/HEAD/TRACE/CONNECT, Content_Length/Transfer_Encoding look-alikes,
    /// a bad Max-Forwards on TRACE/OPTIONS; 501 for a transfer coding it does not know (RFC 9112 §6.1);
    /// 505 for versions other than 1.0/1.1 (an HTTP/2 preface included, EC-011); 417 for an expectation
    /// other than 100-continue. An h2c upgrade is dropped, not refused (EC-011: the client carries on in
    /// HTTP/1.1): the h2c token, HTTP2-Settings and their Connection options are removed.
    /// Lines are checked in order as they arrive, so a hostile line fails as soon as it is complete
    /// and a head split anywhere parses exactly as it does in one piece.
    /// An "https" absolute-form target is accepted and reported with Scheme "https" (default port 443);
    /// whether to serve it is the proxy's decision.
    /// </summary>
    public static HeadParseResult<RequestHead> Parse(ReadOnlySpan<byte> buffer, int maxHeaderBytes) =>
        Parse(buffer, maxHeaderBytes, new RequestHeadScan());

    /// <summary>
    /// As <see cref="Parse(ReadOnlySpan{byte}, int)"/>, resuming where <paramref name="scan"/> left off
    /// on the same head, now with more bytes: nothing already scanned is scanned again.
    /// </summary>
    public static HeadParseResult<RequestHead> Parse(ReadOnlySpan<byte> buffer, int maxHeaderBytes, RequestHeadScan scan)
    {
        var window = buffer[..Math.Clamp(maxHeaderBytes, 0, buffer.Length)];
        var overLimit = buffer.Length >= maxHeaderBytes;
        while (true)
        {
            var lineStart = scan.LineStart;
            var found = HeadLines.Resume(window, lineStart, ref scan.Examined, out var end, out var next);
            if (found != LineScan.Line) return Incomplete(found, overLimit);
            var line = window[lineStart..end];
            scan.LineStart = scan.Examined = next;
            if (scan.Line is null)
            {
                if (line.IsEmpty) return Bad("empty line before the request line");
                var (lineStatus, lineReason) = TryParseRequestLine(line, out scan.Line);
                if (lineReason is not null) return HeadParseResult<RequestHead>.Fail(lineStatus, lineReason);
                continue;
            }
            if (line.IsEmpty) return Interpret(scan.Line, scan.Fields, next);
            if (scan.Fields.Count == HeadLines.MaxFields) return HeadParseResult<RequestHead>.Fail(431, "too many header fields");
            var fieldError = HeadLines.CheckField(line, out var colon) ?? HeadLines.CheckClientFieldName(line[..colon]);
            if (fieldError is not null) return Bad(fieldError);
            scan.Fields.Add(HeadLines.ToField(line));
        }
    }

    private static HeadParseResult<RequestHead> Incomplete(LineScan scan, bool overLimit) => scan switch
    {
        LineScan.NeedMore when overLimit => HeadParseResult<RequestHead>.Fail(431, "request head too large"),
        LineScan.NeedMore => HeadParseResult<RequestHead>.NeedMore,
        _ => Bad(HeadLines.Describe(scan)),
    };

    private static HeadParseResult<RequestHead> Bad(string reason) => HeadParseResult<RequestHead>.Fail(400, reason);

    /// <summary>method SP request-target SP HTTP-version, single spaces. The version is judged before the target so an HTTP/2 preface ("PRI * HTTP/2.0") gets 505.</summary>
    private static (int Status, string? Reason) TryParseRequestLine(ReadOnlySpan<byte> line, out RequestHeadScan.RequestLine? parsed)
    {
        parsed = null;
        var firstSp = line.IndexOf(Sp);
        if (firstSp <= 0 || !IsToken(line[..firstSp])) return (400, "invalid method");
        var afterMethod = line[(firstSp + 1)..];
        var secondSp = afterMethod.IndexOf(Sp);
        if (secondSp <= 0) return (400, "malformed request line");
        var version = afterMethod[(secondSp + 1)..];
        int versionMinor;
        if (version.SequenceEqual("HTTP/1.1"u8)) versionMinor = 1;
        else if (version.SequenceEqual("HTTP/1.0"u8)) versionMinor = 0;
        else if (IsWellFormedVersion(version)) return (505, "HTTP version not supported");
        else return (400, "malformed HTTP version");

        var method = Ascii(line[..firstSp]);
        var text = Ascii(afterMethod[..secondSp]);
        var error = RequestTarget.TryParse(method, text, out var target);
        if (error is not null) return (400, error);
        parsed = new RequestHeadScan.RequestLine(method, text, target!, versionMinor);
        return (0, null);
    }

    internal static bool IsWellFormedVersion(ReadOnlySpan<byte> version) =>
        version.Length == 8 && version.StartsWith("HTTP/"u8) && IsDigit(version[5]) && version[6] == (byte)'.' && IsDigit(version[7]);

    private static HeadParseResult<RequestHead> Interpret(RequestHeadScan.RequestLine line, List<HeaderField> fields, int consumed)
    {
        var (method, target, versionMinor) = (line.Method, line.Parsed, line.VersionMinor);
        var hostError = CheckHost(target, versionMinor, fields);
        if (hostError is not null) return Bad(hostError);

        var (framingStatus, framingError) = ResolveFraming(method, versionMinor, fields, out var framing, out var contentLength);
        if (framingError is not null) return HeadParseResult<RequestHead>.Fail(framingStatus, framingError);

        var connectionError = MessageFields.TryConnectionOptions(fields, out var options);
        if (connectionError is not null) return Bad(connectionError);

        var upgradeError = ResolveUpgrade(fields, options, out var upgrade);
        if (upgradeError is not null) return Bad(upgradeError);

        var maxForwardsError = ResolveMaxForwards(method, fields, out var maxForwards);
        if (maxForwardsError is not null) return Bad(maxForwardsError);

        var expectations = 0;
        var onlyContinue = true;
        foreach (var expectation in MessageFields.Values(fields, "Expect"))
        {
            expectations++;
            onlyContinue &= expectation.Equals("100-continue", StringComparison.OrdinalIgnoreCase);
        }
        if (expectations > 1 || !onlyContinue) return HeadParseResult<RequestHead>.Fail(417, "unsupported expectation");

        var authority = target.Endpoint;
        var head = new RequestHead
        {
            Method = method,
            Target = line.Target,
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
            ExpectContinue = expectations == 1 && versionMinor == 1,
            MaxForwards = maxForwards,
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

    /// <summary>
    /// FR-024 / RFC 9112 §6: exactly one way to find where the body ends, or 400. A transfer coding
    /// other than chunked, gzip, deflate and compress (and their x- aliases) is 501 (§6.1), "identity"
    /// included (no longer registered): we only forward codings the origin can be expected to know.
    /// </summary>
    private static (int Status, string? Reason) ResolveFraming(string method, int versionMinor, List<HeaderField> fields, out BodyFraming framing, out long contentLength)
    {
        framing = BodyFraming.None;
        contentLength = 0;
        var error = MessageFields.TryFramingFields(fields, versionMinor, "request", out var declared, out var codings);
        if (error is not null) return (400, error);
        if (codings is not null)
        {
            if (!MessageFields.IsChunkedLast(codings)) return (400, "Transfer-Encoding must end with a single chunked");
            if (!codings.TrueForAll(MessageFields.IsKnownTransferCoding)) return (501, "unknown transfer coding");
            framing = BodyFraming.Chunked;
        }
        else if (declared is { } length)
        {
            framing = BodyFraming.ContentLength;
            contentLength = length;
        }
        // Content in CONNECT, GET, HEAD or TRACE has no defined semantics (RFC 9110 §9.3): an origin that ignores it
        // would read the body as the next request, past the rules. For CONNECT the bytes belong to the tunnel.
        var hasBody = framing == BodyFraming.Chunked || contentLength > 0;
        if (hasBody && method is "CONNECT" or "GET" or "HEAD" or "TRACE") return (400, "body on a GET, HEAD, TRACE or CONNECT request");
        return (0, null);
    }

    /// <summary>
    /// RFC 9110 §7.6.2: Max-Forwards counts for TRACE and OPTIONS only; for them it must be one 1*DIGIT
    /// value (a larger one than fits an int is read as int.MaxValue). Null when absent or another method.
    /// </summary>
    private static string? ResolveMaxForwards(string method, List<HeaderField> fields, out int? maxForwards)
    {
        maxForwards = null;
        if (method is not ("TRACE" or "OPTIONS")) return null;
        foreach (var value in MessageFields.Values(fields, "Max-Forwards"))
        {
            if (maxForwards is not null) return "duplicate Max-Forwards";
            if (value.Length == 0) return "invalid Max-Forwards";
            long hops = 0;
            foreach (var c in value)
            {
                if (c is < '0' or > '9') return "invalid Max-Forwards";
                hops = Math.Min(int.MaxValue, hops * 10 + (c - '0'));
            }
            maxForwards = (int)hops;
        }
        return null;
    }

    /// <summary>
    /// Upgrade is honoured only when Connection names it (RFC 9110 §7.8). An h2c upgrade (RFC 7540 §3.2)
    /// is ignored, as a server may (EC-011: HTTP/1.1 only): the h2c token leaves the Upgrade field, and
    /// HTTP2-Settings and the Connection options naming it (and "upgrade", when nothing else is left)
    /// leave the head, so neither the rules nor the upstream see an upgrade that will not happen.
    /// </summary>
    private static string? ResolveUpgrade(List<HeaderField> fields, List<string> options, out string? upgrade)
    {
        upgrade = null;
        var protocols = new List<string>();
        var h2c = false;
        foreach (var value in MessageFields.Values(fields, "Upgrade"))
            foreach (var protocol in HttpSyntax.ListElements(value))
            {
                var slash = protocol.IndexOf('/');
                var name = slash < 0 ? protocol : protocol[..slash];
                if (!IsToken(name) || (slash >= 0 && !IsToken(protocol.AsSpan(slash + 1)))) return "invalid Upgrade";
                if (name.Equals("h2c", StringComparison.OrdinalIgnoreCase)) h2c = true;
                else protocols.Add(protocol);
            }
        var settings = fields.Exists(f => MessageFields.Is(f, "HTTP2-Settings"));
        if (h2c || settings || options.Contains("http2-settings")) DropHttp2Upgrade(fields, options, protocols);
        if (protocols.Count > 0 && options.Contains("upgrade")) upgrade = string.Join(", ", protocols);
        return null;
    }

    private static void DropHttp2Upgrade(List<HeaderField> fields, List<string> options, List<string> protocols)
    {
        options.RemoveAll(o => o == "http2-settings" || (protocols.Count == 0 && o == "upgrade"));
        var upgrade = protocols.Count > 0 ? string.Join(", ", protocols) : null;
        var connection = options.Count > 0 ? string.Join(", ", options) : null;
        for (var i = 0; i < fields.Count; i++)
        {
            var field = fields[i];
            string? replacement;
            if (MessageFields.Is(field, "Upgrade")) (replacement, upgrade) = (upgrade, null);
            else if (MessageFields.Is(field, "Connection")) (replacement, connection) = (connection, null);
            else if (MessageFields.Is(field, "HTTP2-Settings")) replacement = null;
            else continue;
            // The first field of each kind carries what is left; the others go.
            if (replacement is null) fields.RemoveAt(i--);
            else fields[i] = field with { Value = replacement };
        }
    }
}
