namespace Outcall.Http;

/// <summary>
/// Interprets the fields that decide framing and connection handling (RFC 9112 §6, §9.6), the
/// same way for requests and responses. Each method returns an error reason or null.
/// </summary>
internal static class MessageFields
{
    public static bool Is(HeaderField field, string name) => field.Name.Equals(name, StringComparison.OrdinalIgnoreCase);

    /// <summary>The values of every field named <paramref name="name"/>, in order; foreach over it allocates nothing.</summary>
    public static FieldValues Values(IReadOnlyList<HeaderField> fields, string name) => new(fields, name);

    /// <summary>
    /// A struct enumerable rather than an iterator: every request reads several fields by name, and an
    /// iterator plus the boxed list enumerator inside it were two allocations per lookup.
    /// </summary>
    public readonly struct FieldValues(IReadOnlyList<HeaderField> fields, string name)
    {
        public Enumerator GetEnumerator() => new(fields, name);

        public List<string> ToList()
        {
            var values = new List<string>();
            foreach (var value in this) values.Add(value);
            return values;
        }

        public struct Enumerator(IReadOnlyList<HeaderField> fields, string name)
        {
            private int _index = -1;

            public string Current { get; private set; } = "";

            public bool MoveNext()
            {
                while (++_index < fields.Count)
                    if (Is(fields[_index], name))
                    {
                        Current = fields[_index].Value;
                        return true;
                    }
                return false;
            }
        }
    }

    /// <summary>
    /// The checks every message's framing passes first (RFC 9112 §6): a valid Content-Length, a valid
    /// Transfer-Encoding list, never both, and no Transfer-Encoding in HTTP/1.0 (§6.1: faulty framing).
    /// </summary>
    public static string? TryFramingFields(List<HeaderField> fields, int versionMinor, string messageKind,
        out long? declared, out List<string>? codings)
    {
        codings = null;
        var error = TryContentLength(fields, out declared);
        if (error is not null) return error;
        error = TryTransferCodings(fields, out codings);
        if (error is not null || codings is null) return error;
        if (versionMinor == 0) return $"Transfer-Encoding in an HTTP/1.0 {messageKind}";
        return declared is not null ? "both Content-Length and Transfer-Encoding" : null;
    }

    /// <summary>
    /// Content-Length = 1*DIGIT fitting a long. A second Content-Length field is refused even with
    /// the same value (HTTP-PITFALLS: duplicates are a smuggling vector), as is a list ("1000,1000").
    /// </summary>
    public static string? TryContentLength(IReadOnlyList<HeaderField> fields, out long? contentLength)
    {
        contentLength = null;
        foreach (var value in Values(fields, "Content-Length"))
        {
            if (contentLength is not null) return "duplicate Content-Length";
            if (!TryParseLength(value, out var length)) return "invalid Content-Length";
            contentLength = length;
        }
        return null;
    }

    private static bool TryParseLength(string value, out long length)
    {
        length = 0;
        if (value.Length == 0) return false;
        foreach (var c in value)
        {
            if (c is < '0' or > '9') return false;
            if (length > (long.MaxValue - (c - '0')) / 10) return false;
            length = length * 10 + (c - '0');
        }
        return true;
    }

    /// <summary>
    /// The transfer codings of every Transfer-Encoding field in order, lowercased; null when there is
    /// none. Each element must be a bare token: empty elements ("chunked,") and parameters
    /// ("chunked;x") are refused because other parsers disagree on them.
    /// </summary>
    public static string? TryTransferCodings(IReadOnlyList<HeaderField> fields, out List<string>? codings)
    {
        codings = null;
        foreach (var value in Values(fields, "Transfer-Encoding"))
        {
            codings ??= [];
            foreach (var element in HttpSyntax.ListElements(value))
            {
                if (!HttpSyntax.IsToken(element)) return "invalid Transfer-Encoding";
                codings.Add(element.ToLowerInvariant());
            }
        }
        return null;
    }

    /// <summary>True when chunked is the final coding and appears nowhere else (RFC 9112 §6.1).</summary>
    public static bool IsChunkedLast(List<string> codings) =>
        codings.Count > 0 && codings[^1] == "chunked" && codings.IndexOf("chunked") == codings.Count - 1;

    /// <summary>The registered transfer codings (RFC 9112 §7, IANA registry) other than the reserved "identity" and "trailers".</summary>
    public static bool IsKnownTransferCoding(string coding) =>
        coding is "chunked" or "gzip" or "x-gzip" or "deflate" or "compress" or "x-compress";

    public static bool ContainsChunked(List<string> codings) => codings.Contains("chunked");

    /// <summary>Connection options, lowercased. "Connection: connection" is just a token like any other.</summary>
    public static string? TryConnectionOptions(IReadOnlyList<HeaderField> fields, out List<string> options)
    {
        options = [];
        foreach (var value in Values(fields, "Connection"))
            if (!HttpSyntax.TryTokenList(value, options)) return "invalid Connection";
        return null;
    }

    /// <summary>Persistence by RFC 9112 §9.3: 1.1 unless "close"; 1.0 only with "keep-alive".</summary>
    public static bool KeepAlive(int versionMinor, List<string> options) =>
        !options.Contains("close") && (versionMinor >= 1 || options.Contains("keep-alive"));

    /// <summary>The fields a proxy must never forward (RFC 9110 §7.6.1, FR-020), plus those named in Connection.</summary>
    public static bool IsHopByHop(string name, List<string> connectionOptions) =>
        name.Equals("Connection", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Proxy-Connection", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)
        || name.Equals("TE", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Trailer", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Proxy-Authorization", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Proxy-Authenticate", StringComparison.OrdinalIgnoreCase)
        || connectionOptions.Contains(name.ToLowerInvariant());

    /// <summary>
    /// "Content_Length" or "transfer_encoding": servers that map '-' to '_' (CGI-style environments)
    /// would read these as framing fields while we forward them as ordinary ones.
    /// </summary>
    public static bool IsFramingLookalike(string name)
    {
        if (!name.Contains('_')) return false;
        var folded = name.Replace('_', '-');
        return folded.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) || folded.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Field names of the proxy's own: refused from clients, stripped from upstream responses.</summary>
    public const string ReservedPrefix = "x-outcall-";

    public static bool IsReserved(string name) => name.StartsWith(ReservedPrefix, StringComparison.OrdinalIgnoreCase);
}
