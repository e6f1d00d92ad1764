namespace Outcall.Http;

public enum TargetForm { Origin, Absolute, Authority, Asterisk }

public enum BodyFraming { None, ContentLength, Chunked, UntilClose }

/// <summary>A parsed, validated request head (RFC 9112). Everything here has passed the strict checks.</summary>
public sealed class RequestHead
{
    public required string Method { get; init; }
    /// <summary>The request-target exactly as received (for a TRACE echo); never forwarded, never logged.</summary>
    public string Target { get; init; } = "";
    public required TargetForm TargetForm { get; init; }
    /// <summary>"http" for absolute-form http URIs, "https" when a client sent one, "" otherwise.</summary>
    public string Scheme { get; init; } = "";
    /// <summary>Target host, lowercased; IPv6 literals without brackets. "" for origin/asterisk form.</summary>
    public string Host { get; init; } = "";
    /// <summary>Target port (default 80 for http absolute-form, 443 for https; required for authority-form; 0 for origin/asterisk form).</summary>
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
    /// <summary>Max-Forwards of a TRACE or OPTIONS request (RFC 9110 §7.6.2); null when absent or another method.</summary>
    public int? MaxForwards { get; init; }
}
