using System.Runtime.Versioning;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Outcall.Host.Cli;
using Outcall.Intercept;
using Outcall.Tests.Intercept;

namespace Outcall.Tests.Cli;

/// <summary>Issue 14 / S011-FR-002, S011-FR-018, S011-IF-007..009, S011-AS-004/009/010: `outcall ca init|bundle|status`.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class CaCommandSpecs : IDisposable
{
    private readonly CaDirectory _dir = new();
    private readonly StringWriter _stdout = new(), _stderr = new();

    public void Dispose() => _dir.Dispose();

    private InterceptSettings Configured => InterceptSettings.Create(Akka.Configuration.Config.Empty) with { CaCert = _dir.CertificatePath, CaKey = _dir.KeyPath };

    private static InterceptSettings NotConfigured => InterceptSettings.Create(Akka.Configuration.Config.Empty);

    [Fact]
    public void Init_writes_the_CA_files_and_prints_the_fingerprint_of_the_certificate_it_wrote()
    {
        var exit = CaCommand.Init(_dir.Path, _stdout, _stderr);

        Assert.Equal(0, exit);
        using var written = X509Certificate2.CreateFromPem(File.ReadAllText(_dir.CertificatePath));
        Assert.Contains($"SHA-256 fingerprint: {CertificateAuthority.FingerprintOf(written)}\n", _stdout.ToString().ReplaceLineEndings("\n"));
        Assert.Equal((UnixFileMode)Convert.ToInt32("600", 8), File.GetUnixFileMode(_dir.KeyPath));
        Assert.Equal((UnixFileMode)Convert.ToInt32("644", 8), File.GetUnixFileMode(_dir.CertificatePath));
        Assert.Equal("", _stderr.ToString());
    }

    [Fact]
    public void Init_never_prints_the_key()
    {
        CaCommand.Init(_dir.Path, _stdout, _stderr);

        Assert.DoesNotContain("PRIVATE KEY", _stdout.ToString());
        var keyBody = File.ReadAllLines(_dir.KeyPath)[1];
        Assert.DoesNotContain(keyBody[..20], _stdout.ToString());
    }

    [Fact]
    public void Init_refuses_to_overwrite_an_existing_CA_and_exits_1()
    {
        CaCommand.Init(_dir.Path, new StringWriter(), new StringWriter());
        var before = File.ReadAllBytes(_dir.KeyPath);

        var exit = CaCommand.Init(_dir.Path, _stdout, _stderr);

        Assert.Equal(1, exit);
        Assert.StartsWith("outcall ca init: ", _stderr.ToString());
        Assert.Contains("refusing to overwrite", _stderr.ToString());
        Assert.Equal(before, File.ReadAllBytes(_dir.KeyPath));
    }

    [Fact]
    public void Bundle_prints_the_certificate_file_byte_for_byte()
    {
        _dir.WithNewCa();
        // Whatever the file holds around the PEM (a comment, CRLF line ends) is printed as it is.
        var pem = File.ReadAllText(_dir.CertificatePath);
        File.WriteAllText(_dir.CertificatePath, "# Outcall CA for the build fleet\r\n" + pem.ReplaceLineEndings("\r\n"));
        var stdout = new MemoryStream();
        var writer = new StreamWriter(stdout, new UTF8Encoding(false));

        var exit = CaCommand.Bundle(Configured, writer, _stderr);

        Assert.Equal(0, exit);
        Assert.Equal(File.ReadAllBytes(_dir.CertificatePath), stdout.ToArray());
    }

    [Fact]
    public void Bundle_output_starts_and_ends_with_the_PEM_markers_for_a_CA_from_init()
    {
        _dir.WithNewCa();

        CaCommand.Bundle(Configured, _stdout, _stderr);

        Assert.StartsWith("-----BEGIN CERTIFICATE-----", _stdout.ToString());
        Assert.EndsWith("-----END CERTIFICATE-----", _stdout.ToString().TrimEnd());
    }

    [Fact]
    public void Bundle_without_a_CA_set_exits_1_with_one_clear_line()
    {
        var exit = CaCommand.Bundle(NotConfigured, _stdout, _stderr);

        Assert.Equal(1, exit);
        Assert.Equal("", _stdout.ToString());
        var line = Assert.Single(_stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("outcall ca bundle: no CA is set", line);
    }

    [Fact]
    public void Bundle_of_a_file_that_is_not_a_CA_certificate_exits_1_naming_it()
    {
        File.WriteAllText(_dir.CertificatePath, "hello");

        var exit = CaCommand.Bundle(Configured, _stdout, _stderr);

        Assert.Equal(1, exit);
        Assert.Equal("", _stdout.ToString());
        Assert.Contains(_dir.CertificatePath, _stderr.ToString());
    }

    [Fact]
    public void Status_shows_subject_fingerprint_validity_and_that_the_CA_is_usable()
    {
        _dir.WithNewCa();
        using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(_dir.CertificatePath));

        var exit = CaCommand.Status(Configured, _stdout, _stderr);

        Assert.Equal(0, exit);
        var text = _stdout.ToString();
        Assert.Contains($"subject:       CN={CertificateAuthority.DefaultCommonName}", text);
        Assert.Contains($"fingerprint:   SHA-256 {CertificateAuthority.FingerprintOf(certificate)}", text);
        Assert.Contains($"valid:         {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm:ss}Z to {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm:ss}Z", text);
        Assert.Contains("state:         usable", text);
        Assert.Contains("leaves cached: not known offline (at most 1024)", text);
    }

    [Fact]
    public void Status_shows_the_running_nodes_leaf_count_when_the_node_runs_this_CA_S011_IF012()
    {
        _dir.WithNewCa();
        var node = new NodeLeaves.Reported(new Uri("http://127.0.0.1:9091/"), true, FileFingerprint(), 17, 1024);

        CaCommand.Status(Configured, _stdout, _stderr, node);

        Assert.Contains("leaves cached: 17 of 1024 (the node at http://127.0.0.1:9091/)", _stdout.ToString());
    }

    [Fact]
    public void Status_gives_no_count_when_the_running_node_signs_with_another_CA()
    {
        _dir.WithNewCa();
        using var other = CertificateAuthority.Generate();
        var node = new NodeLeaves.Reported(new Uri("http://127.0.0.1:9091/"), true, other.Fingerprint, 17, 1024);

        var exit = CaCommand.Status(Configured, _stdout, _stderr, node);

        Assert.Equal(0, exit);
        Assert.Contains($"leaves cached: not known for this CA (the node at http://127.0.0.1:9091/ runs the CA with fingerprint SHA-256 {other.Fingerprint})",
            _stdout.ToString());
        Assert.DoesNotContain("17 of 1024", _stdout.ToString());
    }

    [Fact]
    public void Status_says_when_the_running_node_has_no_CA()
    {
        _dir.WithNewCa();

        CaCommand.Status(Configured, _stdout, _stderr, new NodeLeaves.Reported(new Uri("http://127.0.0.1:9091/"), false, "", 0, 1024));

        Assert.Contains("leaves cached: none (the node at http://127.0.0.1:9091/ runs without a CA)", _stdout.ToString());
    }

    [Fact]
    public void Status_says_why_the_leaf_count_is_not_known_when_the_node_cannot_be_asked()
    {
        _dir.WithNewCa();

        var exit = CaCommand.Status(Configured, _stdout, _stderr, new NodeLeaves.Unknown("cannot reach the admin API at http://127.0.0.1:1/: ConnectionRefused"));

        Assert.Equal(0, exit);
        Assert.Contains("leaves cached: not known (cannot reach the admin API at http://127.0.0.1:1/: ConnectionRefused); at most 1024", _stdout.ToString());
    }

    private string FileFingerprint()
    {
        using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(_dir.CertificatePath));
        return CertificateAuthority.FingerprintOf(certificate);
    }

    [Fact]
    public void Status_of_a_CA_the_node_would_refuse_describes_it_and_exits_1_with_the_reason()
    {
        _dir.WithNewCa();
        File.SetUnixFileMode(_dir.KeyPath, (UnixFileMode)Convert.ToInt32("644", 8));

        var exit = CaCommand.Status(Configured, _stdout, _stderr);

        Assert.Equal(1, exit);
        Assert.Contains("subject:", _stdout.ToString());
        Assert.Contains("state:         refused", _stdout.ToString());
        Assert.Contains(_dir.KeyPath, _stderr.ToString());
        Assert.Contains("0600", _stderr.ToString());
    }

    [Fact]
    public void Status_without_a_CA_set_exits_1_with_one_clear_line()
    {
        var exit = CaCommand.Status(NotConfigured, _stdout, _stderr);

        Assert.Equal(1, exit);
        Assert.Equal("", _stdout.ToString());
        Assert.StartsWith("outcall ca status: no CA is set", Assert.Single(_stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }
}
