namespace Outcall.Intercept;

/// <summary>
/// The stable reasons an intercepted tunnel is closed (S011-IF-015, issue 14): each is logged once with the
/// host, and none falls back to an unverified or uninspected tunnel.
/// </summary>
public static class InterceptFailureReason
{
    /// <summary>The upstream's certificate did not validate (untrusted, wrong name, expired) or its handshake failed.</summary>
    public const string UpstreamHandshakeFailed = "upstream_handshake_failed";
    /// <summary>The agent refused the leaf (it does not trust the CA, or pins) or its TLS handshake failed.</summary>
    public const string ClientHandshakeFailed = "client_handshake_failed";
    /// <summary>No leaf could be minted for the name (not a host name, CA expired, signing failed).</summary>
    public const string CertGenFailed = "cert_gen_failed";
}
