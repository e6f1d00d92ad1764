using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Outcall.Intercept;

namespace Outcall.Tests.Intercept;

/// <summary>S011-FR-002 / issue 14: the root CA `outcall ca init` makes.</summary>
public sealed class CertificateAuthoritySpecs
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_new_CA_is_a_self_signed_ECDSA_P256_root()
    {
        using var ca = CertificateAuthority.Generate(new ManualClock(Now));

        Assert.Equal(ca.Certificate.SubjectName.RawData, ca.Certificate.IssuerName.RawData);
        Assert.Equal("CN=" + CertificateAuthority.DefaultCommonName, ca.Subject);
        using var key = ca.Certificate.GetECDsaPublicKey();
        Assert.NotNull(key);
        Assert.Equal(256, key.KeySize);
        Assert.Equal(ECCurve.NamedCurves.nistP256.Oid.Value, key.ExportParameters(false).Curve.Oid.Value);
        Assert.True(TrustOnly.Chains(ca.Certificate, ca.Certificate, Now), "the CA's self-signature verifies");
    }

    [Fact]
    public void A_new_CA_is_valid_for_ten_years_from_a_little_before_now()
    {
        using var ca = CertificateAuthority.Generate(new ManualClock(Now));

        Assert.True(ca.NotBefore < Now && ca.NotBefore >= Now - TimeSpan.FromDays(1));
        Assert.InRange(ca.NotAfter, Now.AddYears(10).AddDays(-2), Now.AddYears(10).AddDays(2));
    }

    [Fact]
    public void A_new_CA_has_critical_CA_basic_constraints_cert_and_crl_signing_and_a_subject_key_id()
    {
        using var ca = CertificateAuthority.Generate(new ManualClock(Now));
        var extensions = ca.Certificate.Extensions;

        var constraints = Assert.Single(extensions.OfType<X509BasicConstraintsExtension>());
        Assert.True(constraints.CertificateAuthority);
        Assert.True(constraints.Critical);
        var usage = Assert.Single(extensions.OfType<X509KeyUsageExtension>());
        Assert.Equal(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, usage.KeyUsages);
        var keyId = Assert.Single(extensions.OfType<X509SubjectKeyIdentifierExtension>());
        Assert.False(string.IsNullOrEmpty(keyId.SubjectKeyIdentifier));
    }

    [Fact]
    public void The_fingerprint_is_the_SHA256_of_the_certificate_as_colon_separated_hex()
    {
        using var ca = CertificateAuthority.Generate();

        var expected = string.Join(':', SHA256.HashData(ca.Certificate.RawData).Select(b => b.ToString("X2")));
        Assert.Equal(expected, ca.Fingerprint);
        Assert.Equal(32 * 3 - 1, ca.Fingerprint.Length);
    }

    [Fact]
    public void The_certificate_a_CA_hands_out_carries_no_private_key()
    {
        using var ca = CertificateAuthority.Generate();

        Assert.False(ca.Certificate.HasPrivateKey);
        Assert.DoesNotContain("PRIVATE", ca.ToString());
    }

    [Fact]
    public void Two_new_CAs_are_different_roots()
    {
        using var first = CertificateAuthority.Generate();
        using var second = CertificateAuthority.Generate();

        Assert.NotEqual(first.Fingerprint, second.Fingerprint);
    }
}
