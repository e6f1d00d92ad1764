using System.Globalization;
using System.Text;

namespace Outcall.Http;

/// <summary>
/// RFC 9110 §7.6.2: a TRACE or OPTIONS whose Max-Forwards is 0 is answered by the proxy, as the final
/// recipient, once the rules allowed it; nothing is forwarded.
/// </summary>
public static class MaxForwardsAnswer
{
    /// <summary>What the proxy itself handles: every method is relayed, CONNECT tunnels.</summary>
    public const string Allow = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, TRACE, CONNECT";

    /// <summary>True when this request ends at the proxy.</summary>
    public static bool AnswersLocally(RequestHead request) => request.MaxForwards == 0;

    /// <summary>
    /// TRACE (RFC 9110 §9.3.8): 200 with a message/http echo of the request head as received, minus the
    /// credentials a TRACE must not reflect (Authorization, Proxy-Authorization, Cookie). OPTIONS: 200
    /// with Allow and no content.
    /// </summary>
    public static byte[] Response(RequestHead request, bool close)
    {
        var body = request.Method == "TRACE" ? Echo(request) : "";
        var head = new StringBuilder(128).Append("HTTP/1.1 200 OK\r\n");
        if (request.Method == "TRACE") head.Append("Content-Type: message/http\r\n");
        else head.Append("Allow: ").Append(Allow).Append("\r\n");
        head.Append("Content-Length: ").Append(Encoding.Latin1.GetByteCount(body).ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        if (close) head.Append("Connection: close\r\n");
        head.Append("\r\n").Append(body);
        return Encoding.Latin1.GetBytes(head.ToString());
    }

    private static string Echo(RequestHead request)
    {
        var text = new StringBuilder(256);
        text.Append(request.Method).Append(' ').Append(request.Target).Append(" HTTP/1.").Append(request.VersionMinor).Append("\r\n");
        foreach (var field in request.Headers)
        {
            if (MessageFields.Is(field, "Authorization") || MessageFields.Is(field, "Proxy-Authorization") || MessageFields.Is(field, "Cookie")) continue;
            text.Append(field.Name).Append(": ").Append(field.Value).Append("\r\n");
        }
        return text.Append("\r\n").ToString();
    }
}
