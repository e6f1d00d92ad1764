namespace Outcall.Http;

/// <summary>A validated request-target (RFC 9112 §3.2) in one of its four forms.</summary>
internal sealed record RequestTarget(TargetForm Form, string Scheme, Authority? Endpoint, string PathAndQuery, string Path)
{
    /// <summary>
    /// Validates the target against the method: CONNECT takes authority-form only and authority-form
    /// is CONNECT-only; "*" is OPTIONS-only; absolute-form must be http or https without userinfo.
    /// Every form refuses a fragment, a backslash, a bad percent-escape and dot segments, so the
    /// path the rules see is the path the origin sees. Returns an error reason or null.
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
            var originError = CheckPathAndQuery(target, out var originPath);
            if (originError is not null) return originError;
            parsed = new RequestTarget(TargetForm.Origin, "", null, target, originPath);
            return null;
        }

        var schemeEnd = target.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0) return "unsupported request-target form";
        var scheme = target[..schemeEnd].ToLowerInvariant();
        if (scheme is not ("http" or "https")) return "unsupported URI scheme";
        var afterScheme = target[(schemeEnd + 3)..];
        var authorityEnd = afterScheme.IndexOfAny(['/', '?']);
        var authorityText = authorityEnd < 0 ? afterScheme : afterScheme[..authorityEnd];
        if (authorityText.Contains('@')) return "userinfo in the request-target";
        if (!Authority.TryParse(authorityText, portRequired: false, out var authority))
            return "invalid authority in the request-target";
        var pathAndQuery = authorityEnd < 0 ? "/" : afterScheme[authorityEnd..];
        if (pathAndQuery.StartsWith('?')) pathAndQuery = "/" + pathAndQuery;
        var error = CheckPathAndQuery(pathAndQuery, out var path);
        if (error is not null) return error;
        parsed = new RequestTarget(TargetForm.Absolute, scheme, authority, pathAndQuery, path);
        return null;
    }

    public static int DefaultPort(string scheme) => scheme == "https" ? 443 : 80;

    private static string? CheckPathAndQuery(string pathAndQuery, out string path)
    {
        var queryStart = pathAndQuery.IndexOf('?');
        path = queryStart < 0 ? pathAndQuery : pathAndQuery[..queryStart];
        for (var i = 0; i < pathAndQuery.Length; i++)
        {
            if (pathAndQuery[i] != '%') continue;
            if (i + 2 >= pathAndQuery.Length || !char.IsAsciiHexDigit(pathAndQuery[i + 1]) || !char.IsAsciiHexDigit(pathAndQuery[i + 2]))
                return "invalid percent-encoding in the request-target";
        }
        foreach (var segment in path.Split('/'))
        {
            var decoded = segment.Replace("%2e", ".", StringComparison.OrdinalIgnoreCase);
            if (decoded is "." or "..") return "dot segment in the request path";
        }
        return null;
    }
}
