using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Outcall.Intercept;

namespace Outcall.Tests.Intercept;

/// <summary>S011-FR-005/FR-021 / issue 14: a leaf per host, signed by the CA, short-lived, naming exactly that host.</summary>
public sealed class LeafMinterSpecs : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Day = TimeSpan.FromHours(24);

    private readonly ManualClock _clock = new(Start);
    private readonly CertificateAuthority _ca;

    public LeafMinterSpecs() => _ca = CertificateAuthority.Generate(_clock);

    public void Dispose() => _ca.Dispose();

    private LeafMinter Minter(TimeSpan? ttl = null) => new(_ca, ttl ?? Day, _clock);

    [Fact]
    public void A_leaf_names_the_host_in_its_SAN_and_common_name()
    {
        var leaf = Minter().Mint("api.github.com").Certificate;

        var names = Assert.Single(leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>());
        Assert.Equal(["api.github.com"], names.EnumerateDnsNames());
        Assert.Empty(names.EnumerateIPAddresses());
        Assert.Equal("CN=api.github.com", leaf.Subject);
        Assert.True(leaf.MatchesHostname("api.github.com"));
        Assert.False(leaf.MatchesHostname("github.com"));
    }

    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1")]
    [InlineData("::1", "::1")]
    [InlineData("[2001:db8::7]", "2001:db8::7")]
    public void An_IP_literal_gets_an_IP_SAN_and_no_DNS_name(string host, string address)
    {
        var leaf = Minter().Mint(LeafMinter.Normalize(host)).Certificate;

        var names = Assert.Single(leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>());
        Assert.Equal([IPAddress.Parse(address)], names.EnumerateIPAddresses());
        Assert.Empty(names.EnumerateDnsNames());
    }

    [Fact]
    public void A_leaf_is_for_server_authentication_only_and_is_not_a_CA()
    {
        var leaf = Minter().Mint("example.com").Certificate;

        var usage = Assert.Single(leaf.Extensions.OfType<X509EnhancedKeyUsageExtension>());
        Assert.Equal(["1.3.6.1.5.5.7.3.1"], usage.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Select(oid => oid.Value));
        Assert.False(Assert.Single(leaf.Extensions.OfType<X509BasicConstraintsExtension>()).CertificateAuthority);
        Assert.True(leaf.HasPrivateKey);
    }

    [Fact]
    public void A_leaf_chains_to_the_CA_and_carries_its_authority_key_id()
    {
        var leaf = Minter().Mint("example.com").Certificate;

        Assert.True(TrustOnly.Chains(_ca.Certificate, leaf, Start));
        var authority = Assert.Single(leaf.Extensions.OfType<X509AuthorityKeyIdentifierExtension>());
        var subjectKeyId = Assert.Single(_ca.Certificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>());
        Assert.Equal(Convert.FromHexString(subjectKeyId.SubjectKeyIdentifier!), authority.KeyIdentifier!.Value.ToArray());
    }

    [Fact]
    public void A_leaf_lives_for_the_TTL_from_a_few_minutes_before_now()
    {
        _clock.Advance(TimeSpan.FromDays(30));
        var issued = Minter(TimeSpan.FromHours(6)).Mint("example.com");

        Assert.Equal(_clock.Now - LeafMinter.Backdate, new DateTimeOffset(issued.Certificate.NotBefore.ToUniversalTime()));
        Assert.Equal(_clock.Now + TimeSpan.FromHours(6), issued.NotAfter);
        Assert.Equal(issued.NotAfter, new DateTimeOffset(issued.Certificate.NotAfter.ToUniversalTime()));
        Assert.True(issued.RenewAt > _clock.Now && issued.RenewAt < issued.NotAfter);
    }

    [Fact]
    public void A_leaf_never_starts_before_the_CA_does()
    {
        var issued = Minter().Mint("example.com");

        Assert.True(issued.Certificate.NotBefore.ToUniversalTime() >= _ca.NotBefore.UtcDateTime);
    }

    [Fact]
    public void A_leaf_never_outlives_the_CA()
    {
        _clock.Now = _ca.NotAfter - TimeSpan.FromHours(1);

        var issued = Minter().Mint("example.com");

        Assert.Equal(_ca.NotAfter, issued.NotAfter);
    }

    [Fact]
    public void No_leaf_is_minted_once_the_CA_has_expired()
    {
        _clock.Now = _ca.NotAfter;

        var failure = Assert.Throws<LeafMintingException>(() => Minter().Mint("example.com"));

        Assert.Contains("the CA expired", failure.Message);
    }

    [Theory]
    [InlineData("*.example.com")]
    [InlineData("exa mple.com")]
    [InlineData("example..com")]
    [InlineData("-example.com")]
    [InlineData("")]
    [InlineData("bücher.example")]
    public void A_name_no_certificate_can_carry_is_refused(string host)
    {
        Assert.Throws<LeafMintingException>(() => Minter().Mint(host));
    }

    [Fact]
    public void A_name_longer_than_a_common_name_allows_is_named_in_a_critical_SAN_alone()
    {
        var host = string.Join('.', Enumerable.Repeat("label-of-twenty-chars", 4)) + ".example";

        var leaf = Minter().Mint(host).Certificate;

        Assert.Equal("", leaf.Subject);
        var names = Assert.Single(leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>());
        Assert.True(names.Critical);
        Assert.Equal([host], names.EnumerateDnsNames());
    }

    [Theory]
    [InlineData("Example.COM", "example.com")]
    [InlineData("example.com.", "example.com")]
    [InlineData("[::1]", "::1")]
    public void Hosts_are_normalized_to_one_spelling(string host, string normalized)
    {
        Assert.Equal(normalized, LeafMinter.Normalize(host));
    }

    [Fact]
    public async Task A_client_trusting_the_CA_completes_a_handshake_with_the_leaf_over_http11()
    {
        // Real time: the TLS stack checks validity against the real clock.
        using var ca = CertificateAuthority.Generate();
        var leaf = new LeafMinter(ca, Day).Mint("localhost");
        var client = new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
            CertificateChainPolicy = TrustOnly.Policy(ca.Certificate),
        };

        var outcome = await LoopbackTls.HandshakeAsync(leaf.ServerOptions(), client);

        Assert.True(outcome.ClientSucceeded, outcome.ClientError?.ToString());
        Assert.Equal(SslApplicationProtocol.Http11, outcome.Protocol);
        Assert.Equal("CN=localhost", outcome.ServerCertificateSubject);
    }

    [Fact]
    public async Task A_client_that_does_not_trust_the_CA_refuses_the_leaf()
    {
        using var ca = CertificateAuthority.Generate();
        using var other = CertificateAuthority.Generate();
        var leaf = new LeafMinter(ca, Day).Mint("localhost");
        var client = new SslClientAuthenticationOptions { TargetHost = "localhost", CertificateChainPolicy = TrustOnly.Policy(other.Certificate) };

        var outcome = await LoopbackTls.HandshakeAsync(leaf.ServerOptions(), client);

        Assert.False(outcome.ClientSucceeded);
    }
}
