namespace Outcall.Http;

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
