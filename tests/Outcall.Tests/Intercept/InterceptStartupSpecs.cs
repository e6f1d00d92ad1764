using System.Runtime.Versioning;
using Outcall.Host;
using Outcall.Tests.Proxy;

namespace Outcall.Tests.Intercept;

/// <summary>
/// S011-IF-002, S011-EC-004, S011-AS-011, S011-FR-022 / issue 14: a node refuses to start when its CA files are bad,
/// naming the file and never showing the key; with no CA set nothing is read.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class InterceptStartupSpecs : IDisposable
{
    private readonly CaDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string WithCa(string? key = null, string trust = "[]") => $$"""
        outcall.intercept {
          ca-cert = "{{_dir.CertificatePath}}"
          ca-key = "{{key ?? _dir.KeyPath}}"
          upstream-trust = {{trust}}
        }
        """;

    private static async Task<StartupException> RefusedAsync(string hocon)
    {
        var refusal = await Assert.ThrowsAsync<StartupException>(async () => await (await ProxyHarness.StartAsync(extraHocon: hocon)).DisposeAsync());
        Assert.DoesNotContain("PRIVATE KEY", refusal.Message);
        return refusal;
    }

    [Fact]
    public async Task A_node_with_a_good_CA_starts()
    {
        _dir.WithNewCa();

        await using var node = await ProxyHarness.StartAsync(extraHocon: WithCa());

        Assert.NotNull(node.Endpoint);
    }

    [Fact]
    public async Task A_node_whose_CA_key_is_readable_by_others_does_not_start_and_names_the_key_file()
    {
        _dir.WithNewCa();
        File.SetUnixFileMode(_dir.KeyPath, (UnixFileMode)Convert.ToInt32("644", 8));

        var refusal = await RefusedAsync(WithCa());

        Assert.Contains(_dir.KeyPath, refusal.Message);
        Assert.Contains("0600", refusal.Message);
    }

    [Fact]
    public async Task A_node_whose_CA_key_is_missing_does_not_start_saying_cannot_read_CA_key()
    {
        _dir.WithNewCa();
        var missing = Path.Combine(_dir.Path, "absent.key");

        var refusal = await RefusedAsync(WithCa(key: missing));

        Assert.Equal($"config error: cannot read CA key: {missing}: no such file", refusal.Message);
    }

    [Fact]
    public async Task A_node_whose_CA_key_belongs_to_another_CA_does_not_start()
    {
        _dir.WithNewCa();
        using var other = new CaDirectory().WithNewCa();

        var refusal = await RefusedAsync(WithCa(key: other.KeyPath));

        Assert.Contains("does not match", refusal.Message);
    }

    [Fact]
    public async Task A_node_with_an_unreadable_upstream_trust_file_does_not_start_and_names_it()
    {
        _dir.WithNewCa();
        var missing = Path.Combine(_dir.Path, "origin.pem");

        var refusal = await RefusedAsync(WithCa(trust: $"[\"{missing}\"]"));

        Assert.Contains(missing, refusal.Message);
    }

    [Fact]
    public async Task A_node_without_a_CA_reads_no_CA_or_trust_file()
    {
        await using var node = await ProxyHarness.StartAsync(extraHocon: """outcall.intercept.upstream-trust = ["/nonexistent/never-read.pem"]""");

        Assert.NotNull(node.Endpoint);
    }
}
