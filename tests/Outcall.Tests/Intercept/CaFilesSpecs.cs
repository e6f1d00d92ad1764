using System.Runtime.Versioning;
using System.Security.Cryptography.X509Certificates;
using Outcall.Intercept;

namespace Outcall.Tests.Intercept;

/// <summary>
/// S011-FR-001/002, S011-IF-002, S011-EC-004, S011-AS-011 / issue 14: ca.crt and ca.key on disk, written once and
/// loaded only when the key is private, readable and matching, and the certificate is a valid CA.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class CaFilesSpecs : IDisposable
{
    private readonly CaDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static DateTimeOffset Now => DateTimeOffset.UtcNow;

    [Fact]
    public void The_certificate_is_written_0644_and_the_key_0600()
    {
        _dir.WithNewCa();

        Assert.Equal((UnixFileMode)Convert.ToInt32("644", 8), File.GetUnixFileMode(_dir.CertificatePath));
        Assert.Equal((UnixFileMode)Convert.ToInt32("600", 8), File.GetUnixFileMode(_dir.KeyPath));
    }

    [Fact]
    public void The_key_is_written_as_PKCS8_PEM_and_the_certificate_as_PEM()
    {
        using var ca = CertificateAuthority.Generate();
        CaFiles.Write(ca, _dir.Path);

        var key = File.ReadAllText(_dir.KeyPath);
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", key);
        Assert.EndsWith("-----END PRIVATE KEY-----", key.TrimEnd());
        using var written = X509Certificate2.CreateFromPem(File.ReadAllText(_dir.CertificatePath));
        Assert.Equal(ca.Fingerprint, CertificateAuthority.FingerprintOf(written));
    }

    [Fact]
    public void A_missing_directory_is_created()
    {
        var nested = Path.Combine(_dir.Path, "etc", "outcall");
        using var ca = CertificateAuthority.Generate();

        var (certificate, key) = CaFiles.Write(ca, nested);

        Assert.True(File.Exists(certificate));
        Assert.True(File.Exists(key));
    }

    [Theory]
    [InlineData(CaFiles.CertificateFileName)]
    [InlineData(CaFiles.KeyFileName)]
    public void Writing_refuses_to_overwrite_either_file_and_leaves_both_untouched(string existing)
    {
        var path = Path.Combine(_dir.Path, existing);
        File.WriteAllText(path, "operator's file");
        using var ca = CertificateAuthority.Generate();

        var refusal = Assert.Throws<CaFileException>(() => CaFiles.Write(ca, _dir.Path));

        Assert.Contains(path, refusal.Message);
        Assert.Contains("refusing to overwrite", refusal.Message);
        Assert.Equal("operator's file", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void A_written_CA_loads_back_with_the_same_fingerprint_and_a_key_that_signs()
    {
        using var ca = CertificateAuthority.Generate();
        CaFiles.Write(ca, _dir.Path);

        using var loaded = CaFiles.Load(_dir.CertificatePath, _dir.KeyPath, Now);

        Assert.Equal(ca.Fingerprint, loaded.Fingerprint);
        using var leaf = new LeafMinter(loaded, TimeSpan.FromHours(1)).Mint("example.com").Certificate;
        Assert.True(TrustOnly.Chains(ca.Certificate, leaf), "a leaf signed with the loaded key chains to the written certificate");
    }

    [Theory]
    [InlineData("640")]
    [InlineData("604")]
    [InlineData("644")]
    [InlineData("660")]
    public void A_key_open_to_group_or_others_is_refused_naming_the_file_and_the_mode_required(string mode)
    {
        _dir.WithNewCa();
        File.SetUnixFileMode(_dir.KeyPath, (UnixFileMode)Convert.ToInt32(mode, 8));

        var refusal = Assert.Throws<CaFileException>(() => CaFiles.Load(_dir.CertificatePath, _dir.KeyPath, Now));

        Assert.Contains(_dir.KeyPath, refusal.Message);
        Assert.Contains("0" + mode, refusal.Message);
        Assert.Contains("0600", refusal.Message);
    }

    [Fact]
    public void A_key_readable_by_its_owner_alone_loads()
    {
        _dir.WithNewCa();
        File.SetUnixFileMode(_dir.KeyPath, UnixFileMode.UserRead);

        using var loaded = CaFiles.Load(_dir.CertificatePath, _dir.KeyPath, Now);

        Assert.NotNull(loaded.Signer);
    }

    [Fact]
    public void A_missing_key_is_refused_as_unreadable_naming_the_file()
    {
        _dir.WithNewCa();
        File.Delete(_dir.KeyPath);

        var refusal = Assert.Throws<CaFileException>(() => CaFiles.Load(_dir.CertificatePath, _dir.KeyPath, Now));

        Assert.Equal($"cannot read CA key: {_dir.KeyPath}: no such file", refusal.Message);
    }

    [Fact]
    public void A_key_path_that_is_a_directory_is_refused_as_unreadable()
    {
        _dir.WithNewCa();
        var directory = Path.Combine(_dir.Path, "keys");
        Directory.CreateDirectory(directory);

        var refusal = Assert.Throws<CaFileException>(() => CaFiles.Load(_dir.CertificatePath, directory, Now));

        Assert.StartsWith($"cannot read CA key: {directory}", refusal.Message);
    }

    [Fact]
    public void A_key_of_another_CA_is_refused_as_not_matching_without_showing_either_key()
    {
        _dir.WithNewCa();
        using var other = new CaDirectory().WithNewCa();
        var otherKey = File.ReadAllText(other.KeyPath);

        var refusal = Assert.Throws<CaFileException>(() => CaFiles.Load(_dir.CertificatePath, other.KeyPath, Now));

        Assert.Contains("does not match", refusal.Message);
        Assert.Contains(other.KeyPath, refusal.Message);
        Assert.Contains(_dir.CertificatePath, refusal.Message);
        AssertNoKeyMaterial(refusal.Message, otherKey);
        AssertNoKeyMaterial(refusal.Message, File.ReadAllText(_dir.KeyPath));
    }

    [Fact]
    public void A_key_file_that_is_not_a_PEM_key_is_refused_without_echoing_its_content()
    {
        _dir.WithNewCa();
        const string Secret = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END PRIVATE KEY-----\n";
        File.Delete(_dir.KeyPath);
        File.WriteAllText(_dir.KeyPath, Secret);
        File.SetUnixFileMode(_dir.KeyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var refusal = Assert.Throws<CaFileException>(() => CaFiles.Load(_dir.CertificatePath, _dir.KeyPath, Now));

        Assert.Contains(_dir.KeyPath, refusal.Message);
        AssertNoKeyMaterial(refusal.Message, Secret);
    }

    [Fact]
    public void A_certificate_that_is_not_a_CA_is_refused()
    {
        _dir.WithNewCa();
        using var ca = CaFiles.Load(_dir.CertificatePath, _dir.KeyPath, Now);
        var leaf = new LeafMinter(ca, TimeSpan.FromHours(1)).Mint("example.com").Certificate;
        var leafPath = Path.Combine(_dir.Path, "leaf.crt");
        File.WriteAllText(leafPath, leaf.ExportCertificatePem());

        var refusal = Assert.Throws<CaFileException>(() => CaFiles.Load(leafPath, _dir.KeyPath, Now));

        Assert.Equal($"{leafPath} is not a CA certificate (basicConstraints CA:TRUE is missing)", refusal.Message);
    }

    [Fact]
    public void An_expired_CA_is_refused_naming_the_file_and_the_date()
    {
        var longAgo = new DateTimeOffset(2010, 1, 1, 0, 0, 0, TimeSpan.Zero);
        _dir.WithNewCa(new ManualClock(longAgo));

        var refusal = Assert.Throws<CaFileException>(() => CaFiles.Load(_dir.CertificatePath, _dir.KeyPath, Now));

        Assert.Contains(_dir.CertificatePath, refusal.Message);
        Assert.Contains("expired at 2020-01-01 00:00:00Z", refusal.Message);
    }

    [Fact]
    public void A_certificate_file_that_is_not_PEM_is_refused()
    {
        _dir.WithNewCa();
        File.WriteAllText(_dir.CertificatePath, "not a certificate");

        var refusal = Assert.Throws<CaFileException>(() => CaFiles.Load(_dir.CertificatePath, _dir.KeyPath, Now));

        Assert.Equal($"{_dir.CertificatePath} is not a PEM certificate", refusal.Message);
    }

    [Fact]
    public void A_missing_certificate_is_refused_naming_the_file()
    {
        var refusal = Assert.Throws<CaFileException>(() => CaFiles.Load(_dir.CertificatePath, _dir.KeyPath, Now));

        Assert.StartsWith($"cannot read CA certificate: {_dir.CertificatePath}", refusal.Message);
    }

    /// <summary>Neither the PEM nor any sizeable piece of its base64 body appears in the text.</summary>
    private static void AssertNoKeyMaterial(string text, string keyPem)
    {
        var body = string.Concat(keyPem.Split('\n').Where(line => !line.StartsWith("-----", StringComparison.Ordinal)));
        for (var i = 0; i + 16 <= body.Length; i += 8)
            Assert.DoesNotContain(body.Substring(i, 16), text);
    }
}
