namespace Outcall.Http;

/// <summary>A validated request-target (RFC 9112 §3.2) in one of its four forms.</summary>
internal sealed record RequestTarget(TargetForm Form, string Scheme, Authority? Endpoint, string PathAndQuery, string Path)
{
    /// <summary>
    /// Validates the target against the method: CONNECT takes authority-form only and authority-form
    /// is CONNECT-only; "*" is OPTIONS-only; absolute-form must be http, https or ws (read as http: the
    /// WebSocket handshake is an HTTP/1.1 Upgrade) without userinfo; wss is refused, its TLS needs CONNECT.
    /// Every form refuses a fragment, a backslash and a bad percent-escape; the path and query are
    /// normalised (see <see cref="Normalize"/>) so the path the rules see is the path the origin gets.
    /// Returns an error reason or null.
    /// </summary>
    public static string? TryParse(string method, string target, out RequestTarget? parsed)
    {
        parsed = null;
        foreach (var c in target)
            if (c is < '!' or > '~') return "invalid character in the request-target";
        if (target.Contains('#')) return "fragment in the request-target";
        if (target.Contains('\\')) return "backslash in the request-target";

        if (method == "CONNECT")
        {
            if (!Authority.TryParse(target, portRequired: true, out var connectAuthority))
                return "CONNECT needs an authority-form host:port target";
            parsed = new RequestTarget(TargetForm.Authority, "", connectAuthority, "/", "/");
            return null;
        }

        if (target == "*")
        {
            if (method != "OPTIONS") return "asterisk-form is only for OPTIONS";
            parsed = new RequestTarget(TargetForm.Asterisk, "", null, "*", "*");
            return null;
        }

        if (target.StartsWith('/'))
        {
            var originError = Normalize(target, out var originPathAndQuery, out var originPath);
            if (originError is not null) return originError;
            parsed = new RequestTarget(TargetForm.Origin, "", null, originPathAndQuery, originPath);
            return null;
        }

        var schemeEnd = target.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0) return "unsupported request-target form";
        var scheme = target[..schemeEnd].ToLowerInvariant();
        if (scheme == "wss") return "wss:// cannot be proxied in absolute form; use CONNECT";
        if (scheme == "ws") scheme = "http";
        if (scheme is not ("http" or "https")) return "unsupported URI scheme";
        var afterScheme = target[(schemeEnd + 3)..];
        var authorityEnd = afterScheme.IndexOfAny(['/', '?']);
        var authorityText = authorityEnd < 0 ? afterScheme : afterScheme[..authorityEnd];
        if (authorityText.Contains('@')) return "userinfo in the request-target";
        if (!Authority.TryParse(authorityText, portRequired: false, out var authority))
            return "invalid authority in the request-target";
        var received = authorityEnd < 0 ? "/" : afterScheme[authorityEnd..];
        if (received.StartsWith('?')) received = "/" + received;
        var error = Normalize(received, out var pathAndQuery, out var path);
        if (error is not null) return error;
        parsed = new RequestTarget(TargetForm.Absolute, scheme, authority, pathAndQuery, path);
        return null;
    }

    public static int DefaultPort(string scheme) => scheme == "https" ? 443 : 80;

    /// <summary>
    /// The one form of a path and query that is judged and forwarded. Characters RFC 3986 does not allow
    /// in a URI (" &lt; &gt; ^ ` { | } [ ]) are percent-encoded, as a conforming client would have sent them.
    /// Dot segments are removed (RFC 3986 §5.2.4), "%2e" counting as "." (RFC 3986 §6.2.2.2: the same
    /// character), so an origin that decodes it cannot reach a path the rules never saw; a ".." that
    /// would climb above the root is refused, as is a segment hiding a dot segment behind an encoded
    /// slash ("..%2f", "%2e%2e%5c") or a path parameter ("..;x"), which some origins decode or drop
    /// before resolving. The query is left as it is.
    /// </summary>
    internal static string? Normalize(string received, out string pathAndQuery, out string path)
    {
        pathAndQuery = path = "";
        for (var i = 0; i < received.Length; i++)
        {
            if (received[i] != '%') continue;
            if (i + 2 >= received.Length || !char.IsAsciiHexDigit(received[i + 1]) || !char.IsAsciiHexDigit(received[i + 2]))
                return "invalid percent-encoding in the request-target";
        }
        var encoded = received.AsSpan().ContainsAny(NotInUris) ? PercentEncode(received) : received;
        var queryStart = encoded.IndexOf('?');
        var receivedPath = queryStart < 0 ? encoded : encoded[..queryStart];
        var error = RemoveDotSegments(receivedPath, out path);
        if (error is not null) return error;
        pathAndQuery = queryStart < 0 ? path : path + encoded[queryStart..];
        return null;
    }

    private static readonly System.Buffers.SearchValues<char> NotInUris = System.Buffers.SearchValues.Create("\"<>^`{|}[]");

    private static string PercentEncode(string text)
    {
        var builder = new System.Text.StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (NotInUris.Contains(c)) builder.Append('%').Append(((int)c).ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            else builder.Append(c);
        }
        return builder.ToString();
    }

    private static string? RemoveDotSegments(string path, out string normalized)
    {
        normalized = path;
        var segments = path.Split('/');
        var dots = false;
        foreach (var segment in segments)
        {
            if (HidesDotSegment(segment)) return "dot segment hidden behind an encoded slash or a path parameter";
            dots |= DotSegment(segment) > 0;
        }
        if (!dots) return null;
        // segments[0] is the empty string before the leading '/'.
        var output = new List<string>(segments.Length);
        for (var i = 1; i < segments.Length; i++)
        {
            var last = i == segments.Length - 1;
            switch (DotSegment(segments[i]))
            {
                case 1:
                    if (last) output.Add("");
                    break;
                case 2:
                    if (output.Count == 0) return "dot-dot segment above the root of the request path";
                    output.RemoveAt(output.Count - 1);
                    if (last) output.Add("");
                    break;
                default:
                    output.Add(segments[i]);
                    break;
            }
        }
        normalized = "/" + string.Join('/', output);
        return null;
    }

    /// <summary>1 for ".", 2 for "..", with any dot written as %2e or %2E; 0 otherwise.</summary>
    private static int DotSegment(ReadOnlySpan<char> segment)
    {
        var dots = 0;
        while (!segment.IsEmpty)
        {
            if (segment[0] == '.') segment = segment[1..];
            else if (segment.StartsWith("%2e", StringComparison.OrdinalIgnoreCase)) segment = segment[3..];
            else return 0;
            if (++dots > 2) return 0;
        }
        return dots;
    }

    /// <summary>
    /// A segment that some origin reads as "." or "..": after decoding an encoded slash or backslash
    /// ("..%2f"), or after dropping ";" path parameters as Tomcat does ("..;x").
    /// </summary>
    private static bool HidesDotSegment(string segment)
    {
        var parameters = segment.IndexOf(';');
        if (parameters >= 0 && DotSegment(segment.AsSpan(0, parameters)) > 0) return true;
        if (!segment.Contains("%2f", StringComparison.OrdinalIgnoreCase) && !segment.Contains("%5c", StringComparison.OrdinalIgnoreCase)) return false;
        var decoded = segment.Replace("%2f", "/", StringComparison.OrdinalIgnoreCase).Replace("%5c", "/", StringComparison.OrdinalIgnoreCase);
        foreach (var piece in decoded.Split('/'))
            if (DotSegment(piece) > 0) return true;
        return false;
    }
}
