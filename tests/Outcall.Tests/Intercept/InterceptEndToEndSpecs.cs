using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Runtime.Versioning;
using System.Security.Cryptography.X509Certificates;
using Outcall.Intercept;
using Outcall.Tests.Proxy;
using Outcall.Tests.SuiteLogs;

namespace Outcall.Tests.Intercept;

/// <summary>
/// Issue 14 / S011-FR-005, S011-FR-012, S011-FR-015, S011-FR-022: real clients through an intercepting node on loopback. The node's
/// CA is made in the test; the origin is Kestrel with a leaf from a second test CA, trusted through `upstream-trust`.
/// The origin is reachable only by the name the proxy's injected resolver knows.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class InterceptEndToEndSpecs : IDisposable
{
    private const string Host = "origin.test";
    private readonly CaDirectory _ca = new CaDirectory().WithNewCa();

    public void Dispose() => _ca.Dispose();

    // http.scheme is "" at the CONNECT, so the block can only match a decrypted request inside the tunnel.
    private const string InterceptOrigin = """
        version: "1"
        rules:
          - id: no-blocked-path
            priority: 10
            condition: network.hostname == "origin.test" && http.scheme == "https" && http.path.startsWith("/blocked")
            action: block
          - id: origin
            condition: network.hostname == "origin.test"
            action: allow
            egress:
              mode: intercept
              allow_private_ips: true
        """;

    private const string TunnelOrigin = """
        version: "1"
        rules:
          - id: origin
            condition: network.hostname == "origin.test"
            action: allow
            egress:
              allow_private_ips: true
        """;

    [Fact]
    public async Task HttpClient_gets_an_allowed_path_and_a_403_for_a_blocked_one_inside_one_intercepted_connection()
    {
        await using var origin = await RecordingOrigin.StartTlsAsync();
        await using var proxy = await InterceptingNode.StartAsync(_ca, InterceptOrigin, Host, origin.CaPemPath);
        var seen = new List<X509Certificate2>();
        using var client = InterceptingNode.ClientTrusting(proxy, CaFiles.ParseCertificate(_ca.CertificatePath), TimeSpan.FromSeconds(30), seen);
        var baseUri = $"https://{Host}:{origin.Port}";

        using var allowed = await client.GetAsync($"{baseUri}/allowed");
        using var blocked = await client.GetAsync($"{baseUri}/blocked/secret");
        using var again = await client.GetAsync($"{baseUri}/again");

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal("path=/allowed", await allowed.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, blocked.StatusCode);
        Assert.Equal("rule no-blocked-path", Assert.Single(blocked.Headers.GetValues("X-Outcall-Block-Reason")));
        Assert.Equal("Blocked by outcall: rule no-blocked-path", await blocked.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        // One TLS session with the client (one handshake, shown our leaf), one upstream connection, the blocked path never sent.
        var shown = Assert.Single(seen);
        Assert.Equal(CaFiles.ParseCertificate(_ca.CertificatePath).Subject, shown.Issuer);
        Assert.Equal(["/allowed", "/again"], origin.Requests.Select(r => r.Path));
        Assert.Single(origin.Requests.Select(r => r.Connection).Distinct());
    }

    [Fact]
    public async Task Curl_with_the_CA_as_cacert_gets_an_allowed_path_and_a_403_for_a_blocked_one_on_one_connection()
    {
        await using var origin = await RecordingOrigin.StartTlsAsync();
        await using var proxy = await InterceptingNode.StartAsync(_ca, InterceptOrigin, Host, origin.CaPemPath);
        var baseUri = $"https://{Host}:{origin.Port}";

        var (exit, output) = await CurlAsync("-sS", "--cacert", _ca.CertificatePath, "--proxy", proxy.ProxyUri.ToString(),
            "-w", "|%{http_code} %{num_connects}\n", $"{baseUri}/allowed", $"{baseUri}/blocked/x");

        Assert.True(exit == 0, output);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("path=/allowed|200 1", lines[0]);
        // The second transfer reused the connection (no new connect) and got the IF-004 refusal inside TLS.
        Assert.Equal("Blocked by outcall: rule no-blocked-path|403 0", lines[1]);
        Assert.Equal(["/allowed"], origin.Requests.Select(r => r.Path));
    }

    [Fact]
    public async Task The_same_host_without_an_intercept_rule_is_tunnelled_and_the_client_sees_the_origins_own_certificate()
    {
        await using var origin = await RecordingOrigin.StartTlsAsync();
        await using var proxy = await InterceptingNode.StartAsync(_ca, TunnelOrigin, Host, origin.CaPemPath);
        var seen = new List<X509Certificate2>();
        using var client = InterceptingNode.ClientTrusting(proxy, origin.Ca.Certificate, TimeSpan.FromSeconds(30), seen);

        using var response = await client.GetAsync($"https://{Host}:{origin.Port}/blocked/not-judged");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(origin.Ca.Subject, Assert.Single(seen).Issuer);
        Assert.DoesNotContain(proxy.Log.Lines(), line => line.Contains("Intercepting", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_upstream_whose_certificate_no_trusted_CA_signed_is_closed_with_upstream_handshake_failed_and_gets_no_request()
    {
        await using var origin = await RecordingOrigin.StartTlsAsync();
        // The proxy trusts the node's own CA as an anchor, not the origin's.
        await using var proxy = await InterceptingNode.StartAsync(_ca, InterceptOrigin, Host, _ca.CertificatePath);

        await AssertClosedAsync(proxy, origin);
    }

    [Fact]
    public async Task An_upstream_whose_certificate_names_another_host_is_closed_with_upstream_handshake_failed_and_gets_no_request()
    {
        await using var origin = await RecordingOrigin.StartTlsAsync(certificateName: "other.test");
        await using var proxy = await InterceptingNode.StartAsync(_ca, InterceptOrigin, Host, origin.CaPemPath);

        await AssertClosedAsync(proxy, origin);
    }

    private async Task AssertClosedAsync(ProxyHarness proxy, RecordingOrigin origin)
    {
        using var client = InterceptingNode.ClientTrusting(proxy, CaFiles.ParseCertificate(_ca.CertificatePath), TimeSpan.FromSeconds(30), null);

        await Assert.ThrowsAnyAsync<HttpRequestException>(() => client.GetAsync($"https://{Host}:{origin.Port}/allowed"));

        var line = await proxy.Log.WaitForLineAsync(l => l.Contains("upstream_handshake_failed", StringComparison.Ordinal));
        Assert.Contains(Host, line);
        Assert.Empty(origin.Requests);
    }

    private static async Task<(int Exit, string Output)> CurlAsync(params string[] args)
    {
        var info = new ProcessStartInfo("curl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var name in new[] { "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy" })
            info.Environment.Remove(name);
        using var curl = Process.Start(info)!;
        var stdout = SuiteLog.ReadToEndAsync(curl.StandardOutput, "curl");
        var stderr = SuiteLog.ReadToEndAsync(curl.StandardError, "curl");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await curl.WaitForExitAsync(timeout.Token);
        return (curl.ExitCode, await stdout + await stderr);
    }
}
