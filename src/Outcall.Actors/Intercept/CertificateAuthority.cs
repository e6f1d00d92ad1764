using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Outcall.Intercept;

/// <summary>
/// The root CA that signs interception leaves (S011-FR-002): its certificate, and a signer over its
/// private key. The key never leaves this object except as the PKCS#8 PEM <see cref="CaFiles"/> writes once.
/// </summary>
public sealed class CertificateAuthority : IDisposable
{
    public const string DefaultCommonName = "Outcall Interception CA";
    internal static readonly TimeSpan Lifetime = TimeSpan.FromDays(3652);
    /// <summary>A freshly made CA is already valid on a node whose clock runs a little behind.</summary>
    internal static readonly TimeSpan Backdate = TimeSpan.FromHours(1);

    private readonly AsymmetricAlgorithm _key;

    /// <summary>The certificate alone (no private key), as agents get it.</summary>
    public X509Certificate2 Certificate { get; }
    public X509SignatureGenerator Signer { get; }
    /// <summary>The hash leaves are signed with.</summary>
    public HashAlgorithmName SignatureHash => HashAlgorithmName.SHA256;
    /// <summary>SHA-256 of the DER certificate, as upper-case hex pairs joined by ':' (what `openssl x509 -fingerprint -sha256` prints).</summary>
    public string Fingerprint { get; }
    public string Subject => Certificate.Subject;
    public DateTimeOffset NotBefore { get; }
    public DateTimeOffset NotAfter { get; }

    internal CertificateAuthority(X509Certificate2 certificate, AsymmetricAlgorithm key)
    {
        _key = key;
        Certificate = certificate;
        Signer = key switch
        {
            ECDsa ecdsa => X509SignatureGenerator.CreateForECDsa(ecdsa),
            RSA rsa => X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1),
            _ => throw new ArgumentException("a CA key is ECDSA or RSA", nameof(key)),
        };
        Fingerprint = FingerprintOf(certificate);
        NotBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime());
        NotAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime());
    }

    /// <summary>A new self-signed root: ECDSA P-256, ten years, CA:TRUE (critical), keyCertSign|cRLSign, a subject key id.</summary>
    public static CertificateAuthority Generate(TimeProvider? time = null, string commonName = DefaultCommonName)
    {
        var now = (time ?? TimeProvider.System).GetUtcNow();
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        try
        {
            var subject = new X500DistinguishedNameBuilder();
            subject.AddCommonName(commonName);
            var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
            using var selfSigned = request.CreateSelfSigned(now - Backdate, now + Lifetime);
            // The public certificate alone: the key stays in this object, not in a certificate that could be exported.
            var certificate = X509CertificateLoader.LoadCertificate(selfSigned.RawData);
            return new CertificateAuthority(certificate, key);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    public static string FingerprintOf(X509Certificate2 certificate) =>
        string.Join(':', Convert.ToHexString(certificate.GetCertHash(HashAlgorithmName.SHA256)).Chunk(2).Select(pair => new string(pair)));

    public string CertificatePem() => Certificate.ExportCertificatePem();

    /// <summary>The private key as PKCS#8 PEM, for writing the key file once.</summary>
    internal char[] PrivateKeyPem()
    {
        var der = _key.ExportPkcs8PrivateKey();
        try
        {
            return PemEncoding.Write("PRIVATE KEY", der);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(der);
        }
    }

    /// <summary>No key material in diagnostics, ever.</summary>
    public override string ToString() => $"CA {Subject} ({Fingerprint})";

    public void Dispose()
    {
        _key.Dispose();
        Certificate.Dispose();
    }
}
