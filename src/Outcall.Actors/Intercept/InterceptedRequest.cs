using Outcall.Http;

namespace Outcall.Intercept;

/// <summary>A decrypted request bound to its tunnel, or why it cannot be (a status and a reason fit for the client).</summary>
public readonly record struct BoundRequest(RequestHead? Head, int Status, string Reason);

/// <summary>
/// Binds a request read inside an intercepted tunnel to the tunnel's destination (issue 14): origin-form
/// (what clients send to the server they think they reached) or an absolute https:// URI, whose host is
/// the host the tunnel was judged and verified for. A Host naming another host or port is refused with
/// 421 (RFC 9110 §15.5.20): the rules, the leaf and the upstream's certificate are about the tunnel's
/// host, and a request may not borrow them for another. Pure.
/// </summary>
public static class InterceptedRequest
{
    /// <param name="tunnelHost">The name the tunnel was judged by (the SNI, else the CONNECT host), lowercase.</param>
    /// <param name="tunnelPort">The CONNECT port.</param>
    public static BoundRequest Bind(RequestHead head, string tunnelHost, int tunnelPort)
    {
        ArgumentNullException.ThrowIfNull(head);
        switch (head.TargetForm)
        {
            case TargetForm.Authority:
                return Refuse(400, "CONNECT inside an intercepted tunnel");
            case TargetForm.Asterisk:
                return Refuse(400, "asterisk-form requests are not relayed inside an intercepted tunnel");
            case TargetForm.Absolute when head.Scheme != "https":
                return Refuse(400, "only https:// URIs belong inside an intercepted tunnel");
            case TargetForm.Absolute when !Names(head.Host, head.Port, tunnelHost, tunnelPort):
                return Refuse(421, "the request names another host than its intercepted tunnel");
        }
        var authority = head.Authority;
        foreach (var field in head.Headers)
        {
            if (!MessageFields.Is(field, "Host")) continue;
            // The parser validated it (and that it agrees with an absolute URI).
            if (!Authority.TryParse(field.Value, portRequired: false, out var host)) return Refuse(400, "invalid Host");
            if (!Names(host.Host, host.Port == 0 ? 443 : host.Port, tunnelHost, tunnelPort))
                return Refuse(421, "Host names another host than its intercepted tunnel");
            if (head.TargetForm == TargetForm.Origin) authority = host.Text;
            break;
        }
        if (authority.Length == 0) authority = tunnelPort == 443 ? HostText(tunnelHost) : $"{HostText(tunnelHost)}:{tunnelPort}";
        var bound = Copy(head, TargetForm.Origin, "https", tunnelHost, tunnelPort, authority, head.Headers);
        return new BoundRequest(bound, 0, "");
    }

    /// <summary>The same head with other header fields (secrets put in, issue 14).</summary>
    public static RequestHead WithHeaders(RequestHead head, IReadOnlyList<HeaderField> headers)
    {
        ArgumentNullException.ThrowIfNull(head);
        return Copy(head, head.TargetForm, head.Scheme, head.Host, head.Port, head.Authority, headers);
    }

    private static RequestHead Copy(RequestHead head, TargetForm form, string scheme, string host, int port, string authority, IReadOnlyList<HeaderField> headers) => new()
    {
        Method = head.Method,
        Target = head.Target,
        TargetForm = form,
        Scheme = scheme,
        Host = host,
        Port = port,
        Authority = authority,
        PathAndQuery = head.PathAndQuery,
        Path = head.Path,
        VersionMinor = head.VersionMinor,
        Headers = headers,
        Framing = head.Framing,
        ContentLength = head.ContentLength,
        KeepAlive = head.KeepAlive,
        Upgrade = head.Upgrade,
        ExpectContinue = head.ExpectContinue,
        MaxForwards = head.MaxForwards,
    };

    private static bool Names(string host, int port, string tunnelHost, int tunnelPort) =>
        port == tunnelPort && string.Equals(LeafMinter.Normalize(host), tunnelHost, StringComparison.Ordinal);

    private static string HostText(string host) => host.Contains(':') ? $"[{host}]" : host;

    private static BoundRequest Refuse(int status, string reason) => new(null, status, reason);
}
