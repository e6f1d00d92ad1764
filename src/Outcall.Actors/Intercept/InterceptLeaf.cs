using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Outcall.Intercept;

/// <summary>
/// One minted leaf: the certificate with its key, and the context SslStream presents (built once, so a
/// cached leaf costs a handshake nothing extra). <see cref="RenewAt"/> is before <see cref="NotAfter"/>,
/// so no client is handed a leaf about to expire.
/// </summary>
public sealed record InterceptLeaf(string Host, X509Certificate2 Certificate, SslStreamCertificateContext Context, DateTimeOffset NotAfter, DateTimeOffset RenewAt)
{
    /// <summary>
    /// How the agent's TLS is terminated with this leaf: ALPN http/1.1 only (the proxy speaks HTTP/1.1,
    /// EC-011), no client certificate asked for, the system's protocol versions (TLS 1.2 and 1.3, S011-EC-009).
    /// </summary>
    public SslServerAuthenticationOptions ServerOptions() => new()
    {
        ServerCertificateContext = Context,
        ApplicationProtocols = [SslApplicationProtocol.Http11],
        ClientCertificateRequired = false,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
    };
}
