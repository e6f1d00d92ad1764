using System.Runtime.Versioning;
using Akka.Configuration;
using Outcall.Host;

namespace Outcall.Tests.Intercept;

/// <summary>
/// S011-IF-002, EC-004, AS-011, FR-022 / issue 14: the settings a node starts from are refused when the CA
/// files are bad, naming the file and never showing the key; with no CA set nothing is read.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class InterceptStartupSpecs : IDisposable
{
    private readonly CaDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private Config WithCa(string? key = null, string trust = "[]") => ConfigurationFactory.ParseString($$"""
        outcall.intercept {
          ca-cert = "{{_dir.CertificatePath}}"
          ca-key = "{{key ?? _dir.KeyPath}}"
          upstream-trust = {{trust}}
        }
        """);

    [Fact]
    public void A_node_with_a_good_CA_has_its_settings_accepted()
    {
        _dir.WithNewCa();

        var settings = NodeSettings.Create(WithCa());

        Assert.True(settings.Intercept.CaConfigured);
    }

    [Fact]
    public void A_node_whose_CA_key_is_readable_by_others_is_refused_naming_the_key_file()
    {
        _dir.WithNewCa();
        File.SetUnixFileMode(_dir.KeyPath, (UnixFileMode)Convert.ToInt32("644", 8));

        var refusal = Assert.Throws<ConfigurationException>(() => NodeSettings.Create(WithCa()));

        Assert.Contains(_dir.KeyPath, refusal.Message);
        Assert.Contains("0600", refusal.Message);
    }

    [Fact]
    public void A_node_whose_CA_key_is_missing_is_refused_with_cannot_read_CA_key()
    {
        _dir.WithNewCa();
        var missing = Path.Combine(_dir.Path, "absent.key");

        var refusal = Assert.Throws<ConfigurationException>(() => NodeSettings.Create(WithCa(key: missing)));

        Assert.Equal($"cannot read CA key: {missing}: no such file", refusal.Message);
    }

    [Fact]
    public void A_node_whose_CA_key_belongs_to_another_CA_is_refused()
    {
        _dir.WithNewCa();
        using var other = new CaDirectory().WithNewCa();

        var refusal = Assert.Throws<ConfigurationException>(() => NodeSettings.Create(WithCa(key: other.KeyPath)));

        Assert.Contains("does not match", refusal.Message);
        Assert.DoesNotContain("PRIVATE KEY", refusal.Message);
    }

    [Fact]
    public void A_node_with_an_unreadable_upstream_trust_file_is_refused_naming_it()
    {
        _dir.WithNewCa();
        var missing = Path.Combine(_dir.Path, "origin.pem");

        var refusal = Assert.Throws<ConfigurationException>(() => NodeSettings.Create(WithCa(trust: $"[\"{missing}\"]")));

        Assert.Contains(missing, refusal.Message);
    }

    [Fact]
    public void A_node_without_a_CA_reads_no_CA_or_trust_file()
    {
        var config = ConfigurationFactory.ParseString("""outcall.intercept.upstream-trust = ["/nonexistent/never-read.pem"]""");

        var settings = NodeSettings.Create(config);

        Assert.False(settings.Intercept.CaConfigured);
    }
}
