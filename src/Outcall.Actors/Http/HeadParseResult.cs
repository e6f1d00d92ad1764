namespace Outcall.Http;

public enum HeadParseStatus { NeedMoreData, Complete, Error }

/// <summary>
/// Result of looking for a complete head at the start of a buffer. Complete: Head is set and Consumed
/// is the head's length including the final CRLFCRLF. Error: StatusCode (400, 417, 431, 505 for requests;
/// 502 for responses) and a Reason fit for a log line and a response body (never echoes header values).
/// </summary>
public readonly record struct HeadParseResult<T>(HeadParseStatus Status, T? Head, int Consumed, int StatusCode, string? Reason)
    where T : class
{
    public static HeadParseResult<T> NeedMore => new(HeadParseStatus.NeedMoreData, null, 0, 0, null);
    public static HeadParseResult<T> Done(T head, int consumed) => new(HeadParseStatus.Complete, head, consumed, 0, null);
    public static HeadParseResult<T> Fail(int status, string reason) => new(HeadParseStatus.Error, null, 0, status, reason);
}
