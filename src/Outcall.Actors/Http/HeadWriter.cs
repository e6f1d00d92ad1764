using System.Globalization;
using System.Text;

namespace Outcall.Http;

/// <summary>Re-serialises heads; the raw bytes a peer sent for a head are never forwarded.</summary>
public static class HeadWriter
{
    /// <summary>
    /// Origin-form request line, Host first, all fields but hop-by-hop ones (FR-020: Connection,
    /// Proxy-Connection, Keep-Alive, Transfer-Encoding, TE, Trailer, Upgrade, Proxy-Authorization,
    /// Proxy-Authenticate, and every field named in Connection), then the framing of our own
    /// (Content-Length n, or Transfer-Encoding: chunked). For an Upgrade request (EC-014) Connection: Upgrade
    /// and the Upgrade field are kept. Always HTTP/1.1 upstream.
    /// Codings before the final chunked (e.g. "gzip, chunked") are kept in our Transfer-Encoding so
    /// the body keeps its meaning; Host is written from the validated authority. A TRACE or OPTIONS
    /// Max-Forwards goes on decremented (RFC 9110 §7.6.2). No Via, no forwarded fields.
    /// </summary>
    public static byte[] UpstreamRequest(RequestHead head) => UpstreamRequest(head, ForwardedHeaders.Off, "", via: false);

    /// <summary>
    /// As <see cref="UpstreamRequest(RequestHead)"/>; unless <paramref name="mode"/> is Off, the client's
    /// X-Forwarded-For and Forwarded fields are dropped and one of ours naming <paramref name="clientIp"/>
    /// is written after the end-to-end fields (see <see cref="ForwardedHeaders"/> for why Off keeps the client's).
    /// With <paramref name="via"/>, "1.x outcall" is appended to the Via list (RFC 9110 §7.6.3).
    /// </summary>
    public static byte[] UpstreamRequest(RequestHead head, ForwardedHeaders mode, string clientIp, bool via = false)
    {
        var text = new StringBuilder(256);
        text.Append(head.Method).Append(' ').Append(head.PathAndQuery).Append(" HTTP/1.1\r\n");
        AppendField(text, "Host", head.Authority);
        AppendEndToEndFields(text, head.Headers, skipHost: true, skipForwarded: mode != ForwardedHeaders.Off,
            skipVia: via, skipMaxForwards: head.MaxForwards is not null);
        if (head.MaxForwards is { } hops) AppendField(text, "Max-Forwards", Math.Max(0, hops - 1).ToString(CultureInfo.InvariantCulture));
        switch (mode)
        {
            case ForwardedHeaders.XForwardedFor:
                AppendField(text, "X-Forwarded-For", clientIp);
                break;
            case ForwardedHeaders.Forwarded:
                // RFC 7239 §6: an IPv6 address is a quoted, bracketed node name.
                AppendField(text, "Forwarded", clientIp.Contains(':') ? $"for=\"[{clientIp}]\"" : $"for={clientIp}");
                break;
        }
        if (via) AppendVia(text, head.Headers, head.VersionMinor);
        if (head.Upgrade is not null)
        {
            AppendField(text, "Connection", "Upgrade");
            AppendField(text, "Upgrade", head.Upgrade);
        }
        AppendFraming(text, head.Framing, head.ContentLength, head.Headers);
        text.Append("\r\n");
        return Encoding.Latin1.GetBytes(text.ToString());
    }

    /// <summary>
    /// Status line and fields for the client: hop-by-hop and x-outcall-* fields removed, framing of our
    /// own (Content-Length, or Transfer-Encoding: chunked when the upstream body is chunked; nothing for
    /// UntilClose, where the proxy closes after the body), Connection: close when !keepAlive.
    /// A 101 keeps Connection: Upgrade and Upgrade.
    /// For a bodiless response (HEAD, 304) a valid upstream Content-Length is kept: it describes the
    /// representation, not this message. Codings of an until-close body are kept so it stays decodable.
    /// With <paramref name="via"/>, "1.x outcall" is appended to the Via list (RFC 9110 §7.6.3).
    /// </summary>
    /// <param name="bodyStart">Body bytes to follow the head in the same array, so both go out in one write.</param>
    public static byte[] ClientResponse(ResponseHead head, bool keepAlive, bool via = false, ReadOnlySpan<byte> bodyStart = default)
    {
        var text = new StringBuilder(256);
        text.Append("HTTP/1.1 ").Append(head.StatusCode.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(head.ReasonPhrase).Append("\r\n");
        AppendEndToEndFields(text, head.Headers, skipHost: false, skipVia: via);
        if (via) AppendVia(text, head.Headers, head.VersionMinor);
        var informational = head.StatusCode < 200;
        if (head.StatusCode == 101)
        {
            AppendField(text, "Connection", "Upgrade");
            var upgrade = MessageFields.Values(head.Headers, "Upgrade").ToList();
            if (upgrade.Count > 0) AppendField(text, "Upgrade", string.Join(", ", upgrade));
        }
        if (head.Framing == BodyFraming.None && !informational && head.StatusCode != 204
            && MessageFields.TryContentLength(head.Headers, out var declared) is null && declared is { } length)
            AppendField(text, "Content-Length", length.ToString(CultureInfo.InvariantCulture));
        AppendFraming(text, head.Framing, head.ContentLength, head.Headers);
        if (!keepAlive && !informational) AppendField(text, "Connection", "close");
        text.Append("\r\n");
        // Latin-1 is one byte per character.
        var bytes = new byte[text.Length + bodyStart.Length];
        Encoding.Latin1.GetBytes(text.ToString(), bytes);
        bodyStart.CopyTo(bytes.AsSpan(text.Length));
        return bytes;
    }

    /// <summary>The pseudonym of RFC 9110 §7.6.3: the proxy's host name would tell the outside world about the inside.</summary>
    public const string ViaPseudonym = "outcall";

    /// <summary>One Via field: the list received (all Via fields, in order), then us with the version the message came in.</summary>
    private static void AppendVia(StringBuilder text, IReadOnlyList<HeaderField> fields, int versionMinor)
    {
        text.Append("Via: ");
        foreach (var value in MessageFields.Values(fields, "Via")) text.Append(value).Append(", ");
        text.Append("1.").Append(versionMinor == 0 ? '0' : '1').Append(' ').Append(ViaPseudonym).Append("\r\n");
    }

    private static void AppendEndToEndFields(StringBuilder text, IReadOnlyList<HeaderField> fields, bool skipHost, bool skipForwarded = false,
        bool skipVia = false, bool skipMaxForwards = false)
    {
        // Parsed heads carry valid options; a hand-built head with an invalid list still has its named fields stripped as far as they parse.
        MessageFields.TryConnectionOptions(fields, out var options);
        foreach (var field in fields)
        {
            if (MessageFields.IsHopByHop(field.Name, options) || MessageFields.IsReserved(field.Name)
                || MessageFields.Is(field, "Content-Length") || (skipHost && MessageFields.Is(field, "Host"))
                || (skipForwarded && (MessageFields.Is(field, "X-Forwarded-For") || MessageFields.Is(field, "Forwarded")))
                || (skipVia && MessageFields.Is(field, "Via")) || (skipMaxForwards && MessageFields.Is(field, "Max-Forwards")))
                continue;
            AppendField(text, field.Name, field.Value);
        }
    }

    private static void AppendFraming(StringBuilder text, BodyFraming framing, long contentLength, IReadOnlyList<HeaderField> fields)
    {
        switch (framing)
        {
            case BodyFraming.ContentLength:
                AppendField(text, "Content-Length", contentLength.ToString(CultureInfo.InvariantCulture));
                break;
            case BodyFraming.Chunked:
            case BodyFraming.UntilClose:
                MessageFields.TryTransferCodings(fields, out var codings);
                if (framing == BodyFraming.Chunked) AppendField(text, "Transfer-Encoding", codings is { Count: > 0 } ? string.Join(", ", codings) : "chunked");
                else
                {
                    // A close-delimited body is written without chunk framing (a chunked body decoded for an HTTP/1.0 client).
                    if (codings is { Count: > 0 } && codings[^1] == "chunked") codings.RemoveAt(codings.Count - 1);
                    if (codings is { Count: > 0 }) AppendField(text, "Transfer-Encoding", string.Join(", ", codings));
                }
                break;
        }
    }

    private static void AppendField(StringBuilder text, string name, string value) =>
        text.Append(name).Append(": ").Append(value).Append("\r\n");
}
