namespace Outcall.Http;

/// <summary>
/// `outcall.proxy.forwarded-headers`: whether the upstream request names the client.
/// Off (the default) adds nothing and leaves the client's own fields as they are: an egress proxy
/// should not tell the outside world its agents' addresses, and stripping what the agent itself wrote
/// would protect nothing (it could send the same inside a CONNECT tunnel). When on, every client-sent
/// X-Forwarded-For and Forwarded field is dropped and ours alone is written, so the upstream only sees
/// what the proxy vouches for.
/// </summary>
public enum ForwardedHeaders
{
    Off,
    /// <summary>X-Forwarded-For: client-ip.</summary>
    XForwardedFor,
    /// <summary>RFC 7239 Forwarded: for=client-ip (an IPv6 address quoted and in brackets).</summary>
    Forwarded,
}
