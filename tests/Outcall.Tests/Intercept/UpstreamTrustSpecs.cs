using Outcall.Intercept;

namespace Outcall.Tests.Intercept;

/// <summary>
/// S011-FR-008 / issue 14: an intercepted tunnel's upstream is verified against the system store plus the
/// upstream-trust anchors, name checked, never unverified. Real handshakes against origins whose certificates
/// the test mints.
/// </summary>
public sealed class UpstreamTrustSpecs : IDisposable
{
    private readonly CaDirectory _dir = new();
    private readonly CertificateAuthority _originCa = CertificateAuthority.Generate(commonName: "Test Origin CA");

    public void Dispose()
    {
        _originCa.Dispose();
        _dir.Dispose();
    }

    private string AnchorFile(CertificateAuthority ca, string name = "origin-ca.pem")
    {
        var path = Path.Combine(_dir.Path, name);
        File.WriteAllText(path, ca.CertificatePem() + "\n");
        return path;
    }

    private static InterceptLeaf Origin(CertificateAuthority ca, string host, TimeProvider? time = null) =>
        new LeafMinter(ca, TimeSpan.FromHours(1), time).Mint(host);

    [Fact]
    public async Task An_upstream_whose_certificate_chains_to_an_extra_anchor_is_accepted()
    {
        var trust = UpstreamTrust.Load([AnchorFile(_originCa)]);

        var outcome = await LoopbackTls.HandshakeAsync(Origin(_originCa, "localhost").ServerOptions(), trust.ClientOptions("localhost"));

        Assert.True(outcome.ClientSucceeded, outcome.ClientError?.ToString());
        Assert.Equal(System.Net.Security.SslApplicationProtocol.Http11, outcome.Protocol);
    }

    [Fact]
    public async Task An_upstream_named_by_IP_address_is_checked_against_its_IP_SAN()
    {
        var trust = UpstreamTrust.Load([AnchorFile(_originCa)]);

        var outcome = await LoopbackTls.HandshakeAsync(Origin(_originCa, "127.0.0.1").ServerOptions(), trust.ClientOptions("127.0.0.1"));

        Assert.True(outcome.ClientSucceeded, outcome.ClientError?.ToString());
    }

    [Fact]
    public async Task An_upstream_signed_by_a_CA_nobody_trusts_is_refused()
    {
        using var stranger = CertificateAuthority.Generate(commonName: "Stranger CA");
        var trust = UpstreamTrust.Load([AnchorFile(_originCa)]);

        var outcome = await LoopbackTls.HandshakeAsync(Origin(stranger, "localhost").ServerOptions(), trust.ClientOptions("localhost"));

        Assert.False(outcome.ClientSucceeded);
    }

    [Fact]
    public async Task Without_extra_anchors_only_the_system_store_is_trusted()
    {
        var outcome = await LoopbackTls.HandshakeAsync(Origin(_originCa, "localhost").ServerOptions(), UpstreamTrust.SystemOnly.ClientOptions("localhost"));

        Assert.False(outcome.ClientSucceeded);
    }

    [Fact]
    public async Task A_trusted_certificate_for_another_name_is_refused()
    {
        var trust = UpstreamTrust.Load([AnchorFile(_originCa)]);

        var outcome = await LoopbackTls.HandshakeAsync(Origin(_originCa, "other.example").ServerOptions(), trust.ClientOptions("localhost"));

        Assert.False(outcome.ClientSucceeded);
    }

    [Fact]
    public async Task An_expired_certificate_from_a_trusted_CA_is_refused()
    {
        var monthAgo = new ManualClock(DateTimeOffset.UtcNow - TimeSpan.FromDays(30));
        using var ca = CertificateAuthority.Generate(monthAgo);
        var trust = UpstreamTrust.Load([AnchorFile(ca)]);

        var outcome = await LoopbackTls.HandshakeAsync(Origin(ca, "localhost", monthAgo).ServerOptions(), trust.ClientOptions("localhost"));

        Assert.False(outcome.ClientSucceeded);
    }

    [Fact]
    public void Every_certificate_of_every_file_is_an_anchor()
    {
        using var second = CertificateAuthority.Generate();
        using var third = CertificateAuthority.Generate();
        var bundle = Path.Combine(_dir.Path, "bundle.pem");
        File.WriteAllText(bundle, second.CertificatePem() + "\n" + third.CertificatePem() + "\n");

        var trust = UpstreamTrust.Load([AnchorFile(_originCa), bundle]);

        Assert.Equal(3, trust.AnchorCount);
    }

    [Fact]
    public void A_missing_anchor_file_is_refused_naming_the_key_and_the_file()
    {
        var missing = Path.Combine(_dir.Path, "absent.pem");

        var refusal = Assert.Throws<CaFileException>(() => UpstreamTrust.Load([missing]));

        Assert.StartsWith($"outcall.intercept.upstream-trust: cannot read {missing}", refusal.Message);
    }

    [Fact]
    public void An_anchor_file_without_a_certificate_is_refused_naming_it()
    {
        var empty = Path.Combine(_dir.Path, "empty.pem");
        File.WriteAllText(empty, "no certificates here\n");

        var refusal = Assert.Throws<CaFileException>(() => UpstreamTrust.Load([empty]));

        Assert.Equal($"outcall.intercept.upstream-trust: {empty} holds no PEM certificate", refusal.Message);
    }
}
