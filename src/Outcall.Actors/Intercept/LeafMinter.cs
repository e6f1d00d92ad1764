using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Outcall.Egress;

namespace Outcall.Intercept;

/// <summary>A leaf could not be made for this host; the connection closes with <see cref="InterceptFailureReason.CertGenFailed"/>.</summary>
public sealed class LeafMintingException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Mints leaves for the names agents connect to (S011-FR-005): SAN = the host (an IP SAN for an IP literal),
/// EKU serverAuth, a fresh P-256 key, valid for the leaf TTL from a little before now (clock skew), never
/// past the CA's own end. Thread-safe.
/// </summary>
public sealed class LeafMinter
{
    /// <summary>Clients whose clocks run behind the node's still accept a leaf minted just now.</summary>
    internal static readonly TimeSpan Backdate = TimeSpan.FromMinutes(5);
    /// <summary>A leaf is renewed once this share of its life is left.</summary>
    private const int RenewalDivisor = 10;
    private const int MaxHostLength = 253;
    /// <summary>X.520 caps a common name at 64 characters; longer names are in the SAN only.</summary>
    private const int MaxCommonNameLength = 64;

    internal static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1", "Server Authentication");

    private readonly CertificateAuthority _ca;
    private readonly TimeSpan _ttl;
    private readonly TimeProvider _time;
    private readonly X509AuthorityKeyIdentifierExtension _authorityKeyId;
    // X509SignatureGenerator over one key object is not documented as thread-safe; signing is short.
    private readonly Lock _signing = new();

    public LeafMinter(CertificateAuthority ca, TimeSpan ttl, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(ca);
        if (ttl <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ttl), "the leaf TTL must be positive");
        _ca = ca;
        _ttl = ttl;
        _time = time ?? TimeProvider.System;
        _authorityKeyId = X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca.Certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false);
    }

    /// <summary>The host as leaves and the cache know it: lower case, no trailing dot, IPv6 without brackets.</summary>
    public static string Normalize(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var name = host.Length > 1 && host[0] == '[' && host[^1] == ']' ? host[1..^1] : host;
        return name.TrimEnd('.').ToLowerInvariant();
    }

    /// <param name="host">An SNI or CONNECT host, normalized by <see cref="Normalize"/>.</param>
    public InterceptLeaf Mint(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var now = _time.GetUtcNow();
        if (now >= _ca.NotAfter) throw new LeafMintingException($"the CA expired at {_ca.NotAfter:yyyy-MM-dd HH:mm:ss}Z");
        var names = new SubjectAlternativeNameBuilder();
        var isIp = HostLiteral.TryParse(host, out var address);
        if (isIp) names.AddIpAddress(address);
        else if (IsDnsName(host)) names.AddDnsName(host);
        else throw new LeafMintingException($"'{Printable(host)}' is not a host name or IP address a certificate can name");

        var notBefore = Max(now - Backdate, _ca.NotBefore);
        var notAfter = Min(now + _ttl, _ca.NotAfter);
        try
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var subject = new X500DistinguishedNameBuilder();
            var hasCommonName = host.Length <= MaxCommonNameLength;
            if (hasCommonName) subject.AddCommonName(isIp ? address.ToString() : host);
            var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([ServerAuth], false));
            // RFC 5280 4.2.1.6: with an empty subject the SAN must be critical.
            request.CertificateExtensions.Add(names.Build(critical: !hasCommonName));
            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
            request.CertificateExtensions.Add(_authorityKeyId);

            var serial = RandomNumberGenerator.GetBytes(16);
            serial[0] &= 0x7F; // a positive INTEGER
            X509Certificate2 unsigned;
            lock (_signing) unsigned = request.Create(_ca.Certificate.SubjectName, _ca.Signer, notBefore, notAfter, serial);
            X509Certificate2 leaf;
            using (unsigned) leaf = unsigned.CopyWithPrivateKey(key);
            // No chain beyond the leaf: agents hold the CA itself as their anchor, and building a chain
            // through the CA here would double the cost of a mint (measured: the context is most of it).
            var context = SslStreamCertificateContext.Create(leaf, additionalCertificates: null, offline: true);
            return new InterceptLeaf(host, leaf, context, notAfter, notAfter - (notAfter - notBefore) / RenewalDivisor);
        }
        catch (CryptographicException e)
        {
            throw new LeafMintingException($"signing a leaf for '{host}' failed: {e.Message}", e);
        }
    }

    /// <summary>LDH labels (underscores tolerated, as real names carry them) of 1-63 characters; no wildcards.</summary>
    private static bool IsDnsName(string host)
    {
        if (host.Length is 0 or > MaxHostLength) return false;
        foreach (var label in host.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-') return false;
            foreach (var c in label)
                if (!(c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '_')) return false;
        }
        return true;
    }

    private static string Printable(string host) =>
        new(host.Take(80).Select(c => c is < ' ' or > '~' ? '?' : c).ToArray());

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
