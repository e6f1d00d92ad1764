using System.Text;

namespace Outcall.Proxy;

/// <summary>The responses the proxy writes itself. All close-delimited ones say Connection: close.</summary>
public static class ProxyResponses
{
    public static readonly byte[] ConnectionEstablished = "HTTP/1.1 200 Connection Established\r\n\r\n"u8.ToArray();
    public static readonly byte[] Continue = "HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray();

    /// <summary>FR-008 / IF-004: every policy block looks exactly like this.</summary>
    public static byte[] Blocked(string reason, bool close)
    {
        var safeReason = HeaderSafe(reason);
        var body = $"Blocked by outcall: {safeReason}";
        return Build(403, "Forbidden", body, close, $"X-Outcall-Block-Reason: {safeReason}\r\n");
    }

    /// <summary>FR-014 (generation A): the IF-004 body and reason field, as a 407 carrying our Basic challenge.</summary>
    public static byte[] ProxyAuthenticationRequired(string reason, bool close)
    {
        var safeReason = HeaderSafe(reason);
        return Build(407, ReasonPhrase(407), $"Blocked by outcall: {safeReason}", close,
            $"Proxy-Authenticate: Basic realm=\"{ProxyAuthenticator.Realm}\"\r\nX-Outcall-Block-Reason: {safeReason}\r\n");
    }

    public static byte[] Error(int status, string message, bool close = true, string extraHeaders = "") =>
        Build(status, ReasonPhrase(status), message, close, extraHeaders);

    /// <summary>FR-022 / IF-006.</summary>
    public static byte[] Health(long activeConnections, long totalRequests, long totalBlocked) =>
        Build(200, "OK",
            $"{{\"status\":\"ok\",\"active_connections\":{activeConnections},\"total_requests\":{totalRequests},\"total_blocked\":{totalBlocked}}}",
            close: false, extraHeaders: "", contentType: "application/json");

    public static string ReasonPhrase(int status) => status switch
    {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        413 => "Content Too Large",
        417 => "Expectation Failed",
        421 => "Misdirected Request",
        431 => "Request Header Fields Too Large",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "Error",
    };

    private static byte[] Build(int status, string phrase, string body, bool close, string extraHeaders, string contentType = "text/plain")
    {
        var bodyBytes = Encoding.UTF8.GetBytes(body);
        var head = $"HTTP/1.1 {status} {phrase}\r\nContent-Type: {contentType}\r\nContent-Length: {bodyBytes.Length}\r\n{extraHeaders}" +
                   (close ? "Connection: close\r\n" : "") + "\r\n";
        var headBytes = Encoding.ASCII.GetBytes(head);
        var result = new byte[headBytes.Length + bodyBytes.Length];
        headBytes.CopyTo(result, 0);
        bodyBytes.CopyTo(result, headBytes.Length);
        return result;
    }

    /// <summary>Reasons come from rule ids and host names; keep them to printable ASCII so a header can never be split.</summary>
    private static string HeaderSafe(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text) builder.Append(c is >= ' ' and <= '~' ? c : '?');
        return builder.ToString();
    }
}
