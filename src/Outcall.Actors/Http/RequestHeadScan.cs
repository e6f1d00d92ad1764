namespace Outcall.Http;

/// <summary>
/// Where the scan of one request head stands between reads, kept by the caller (Kestrel's
/// consumed/examined): the start of the line not yet complete, how far into it the search for its
/// end has gone, and what the complete lines before it parsed to. Each call of
/// <see cref="RequestHeadParser.Parse(ReadOnlySpan{byte}, int, RequestHeadScan)"/> resumes from here,
/// so a head that arrives a byte at a time costs one pass, not one pass per read.
/// The buffer handed in must start at the head's first byte every time. <see cref="Reset"/> before the next head.
/// </summary>
public sealed class RequestHeadScan
{
    internal int LineStart;
    internal int Examined;
    internal RequestLine? Line;
    internal List<HeaderField> Fields = [];

    public void Reset()
    {
        LineStart = Examined = 0;
        Line = null;
        // The finished head owns the old list.
        Fields = [];
    }

    internal sealed record RequestLine(string Method, string Target, RequestTarget Parsed, int VersionMinor);
}
