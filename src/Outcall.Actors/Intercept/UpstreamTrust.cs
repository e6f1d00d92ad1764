using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Outcall.Intercept;

/// <summary>
/// How an intercepted tunnel's upstream is verified (S011-FR-008): the system trust store, plus the anchors of
/// <c>outcall.intercept.upstream-trust</c> (private CAs, test origins). The name is always checked against
/// the host the agent asked for, and validation is never switched off. A certificate the system store
/// rejects only for its root is built again with the extra anchors as the sole roots (CustomRootTrust):
/// ExtraStore alone would supply intermediates but never make a root trusted.
/// </summary>
public sealed class UpstreamTrust
{
    private readonly X509Certificate2Collection _anchors;
    private readonly TimeProvider _time;

    public UpstreamTrust(X509Certificate2Collection anchors, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(anchors);
        _anchors = anchors;
        _time = time ?? TimeProvider.System;
    }

    public static UpstreamTrust SystemOnly { get; } = new([]);

    public int AnchorCount => _anchors.Count;

    /// <summary>Every certificate in each PEM file; a file that cannot be read or holds none is a <see cref="CaFileException"/> naming it.</summary>
    public static UpstreamTrust Load(IEnumerable<string> pemFiles, TimeProvider? time = null)
    {
        var anchors = new X509Certificate2Collection();
        foreach (var path in pemFiles)
        {
            var before = anchors.Count;
            try
            {
                anchors.ImportFromPemFile(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CaFileException($"outcall.intercept.upstream-trust: cannot read {path}: {e.Message}");
            }
            catch (CryptographicException)
            {
                throw new CaFileException($"outcall.intercept.upstream-trust: {path} holds a certificate that cannot be parsed");
            }
            if (anchors.Count == before)
                throw new CaFileException($"outcall.intercept.upstream-trust: {path} holds no PEM certificate");
        }
        return new UpstreamTrust(anchors, time);
    }

    /// <summary>
    /// The upstream leg of an intercepted tunnel to <paramref name="host"/> (the SNI or CONNECT host): the same
    /// SNI, ALPN http/1.1 only, the certificate checked by <see cref="Validate"/>.
    /// </summary>
    public SslClientAuthenticationOptions ClientOptions(string host) => new()
    {
        TargetHost = host,
        ApplicationProtocols = [SslApplicationProtocol.Http11],
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        RemoteCertificateValidationCallback = (_, certificate, chain, errors) => Validate(certificate, chain, errors),
    };

    /// <summary>
    /// True when the system store accepts the certificate for the name, or when the only fault is its root
    /// and the chain builds to one of the extra anchors. A name mismatch or a missing certificate is never accepted.
    /// </summary>
    public bool Validate(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None) return true;
        if (errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is null || _anchors.Count == 0) return false;

        using var custom = new X509Chain();
        var policy = custom.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.CustomTrustStore.AddRange(_anchors);
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.VerificationTime = _time.GetUtcNow().UtcDateTime;
        policy.ApplicationPolicy.Add(LeafMinter.ServerAuth);
        policy.DisableCertificateDownloads = true;
        if (chain is not null)
        {
            // The intermediates the upstream sent.
            policy.ExtraStore.AddRange(chain.ChainPolicy.ExtraStore);
            foreach (var element in chain.ChainElements.Skip(1)) policy.ExtraStore.Add(element.Certificate);
        }
        if (certificate is X509Certificate2 leaf) return custom.Build(leaf);
        using var copy = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return custom.Build(copy);
    }
}
