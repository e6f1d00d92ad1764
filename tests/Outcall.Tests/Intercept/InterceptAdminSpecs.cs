using System.Net;
using System.Net.Security;
using System.Runtime.Versioning;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Outcall.Intercept;
using Outcall.Tests.Cli;
using Outcall.Tests.Proxy;

namespace Outcall.Tests.Intercept;

/// <summary>
/// Issue 14 / S011-IF-012: `GET /api/v1/proxy/intercept` reports the node's CA and leaf cache, and `outcall ca status`
/// prints the count it reports when the node runs the same CA.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class InterceptAdminSpecs : IDisposable
{
    private const string Host = "origin.test";
    private readonly CaDirectory _ca = new CaDirectory().WithNewCa();

    public void Dispose() => _ca.Dispose();

    private static async Task<JsonElement> InterceptStatusAsync(ProxyHarness proxy)
    {
        using var admin = new HttpClient { BaseAddress = proxy.AdminUri, Timeout = TimeSpan.FromSeconds(10) };
        using var response = await admin.GetAsync("api/v1/proxy/intercept");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(document.RootElement.GetProperty("success").GetBoolean());
        return document.RootElement.GetProperty("data").Clone();
    }

    /// <summary>One intercepted CONNECT to the origin: a GET through the proxy, trusting only the node's CA.</summary>
    private async Task GetThroughInterceptionAsync(ProxyHarness proxy, RecordingOrigin origin)
    {
        using var client = InterceptingNode.ClientTrusting(proxy, CaFiles.ParseCertificate(_ca.CertificatePath), TimeSpan.FromSeconds(30));
        using var response = await client.GetAsync($"https://{Host}:{origin.Port}/hello");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_node_with_a_CA_reports_its_fingerprint_and_no_leaves_then_one_leaf_after_an_intercepted_CONNECT_S011_IF_012()
    {
        await using var origin = await RecordingOrigin.StartTlsAsync();
        await using var proxy = await InterceptingNode.StartAsync(_ca, InterceptingNode.InterceptOriginTest, Host, origin.CaPemPath, ProxyHarness.WithAdmin);
        var fingerprint = CertificateAuthority.FingerprintOf(CaFiles.ParseCertificate(_ca.CertificatePath));

        var before = await InterceptStatusAsync(proxy);
        await GetThroughInterceptionAsync(proxy, origin);
        var after = await InterceptStatusAsync(proxy);

        Assert.True(before.GetProperty("ca_loaded").GetBoolean());
        Assert.Equal(fingerprint, before.GetProperty("fingerprint_sha256").GetString());
        Assert.Equal(0, before.GetProperty("leaf_cache_size").GetInt32());
        Assert.Equal(1024, before.GetProperty("leaf_cache_max").GetInt32());
        Assert.Equal(1, after.GetProperty("leaf_cache_size").GetInt32());
        Assert.Equal(fingerprint, after.GetProperty("fingerprint_sha256").GetString());
    }

    [Fact]
    public async Task A_node_without_a_CA_reports_ca_loaded_false_a_null_fingerprint_and_zeros_S011_IF_012()
    {
        await using var proxy = await ProxyHarness.StartAsync(extraHocon: ProxyHarness.WithAdmin);

        var status = await InterceptStatusAsync(proxy);

        Assert.False(status.GetProperty("ca_loaded").GetBoolean());
        Assert.Equal(JsonValueKind.Null, status.GetProperty("fingerprint_sha256").ValueKind);
        Assert.Equal(0, status.GetProperty("leaf_cache_size").GetInt32());
        Assert.Equal(0, status.GetProperty("leaf_cache_max").GetInt32());
    }

    [Fact]
    public async Task Ca_status_against_a_node_running_the_same_CA_prints_the_leaves_it_has_cached()
    {
        await using var origin = await RecordingOrigin.StartTlsAsync();
        await using var proxy = await InterceptingNode.StartAsync(_ca, InterceptingNode.InterceptOriginTest, Host, origin.CaPemPath, ProxyHarness.WithAdmin);
        await GetThroughInterceptionAsync(proxy, origin);
        var cwd = Directory.CreateTempSubdirectory("outcall-cwd-");
        try
        {
            var (exit, stdout, stderr) = await OutcallProcess.RunAsync(cwd.FullName,
                "ca", "status", "--ca-cert", _ca.CertificatePath, "--ca-key", _ca.KeyPath, "--admin", proxy.AdminUri.ToString());

            Assert.Equal((0, ""), (exit, stderr));
            Assert.Contains(stdout.Split('\n', StringSplitOptions.TrimEntries),
                line => line.StartsWith("leaves cached: 1 of 1024 (the node at ", StringComparison.Ordinal));
        }
        finally
        {
            cwd.Delete(recursive: true);
        }
    }
}
