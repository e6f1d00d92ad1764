using System.Net;
using System.Net.Security;
using System.Net.WebSockets;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Http;
using Outcall.Intercept;
using Outcall.Tests.Proxy;
using Outcall.Tests.RealClients;

namespace Outcall.Tests.Intercept;

/// <summary>
/// Issue 14 / S011-FR-012, FR-015: real clients inside an intercepted tunnel on loopback — git (clone yes, push no),
/// a chunked upload and a 100 MB download byte for byte, and a WebSocket. The node's CA is made in the test; each
/// origin is trusted by the proxy through `upstream-trust` and reachable only by the name the proxy's resolver knows.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class InterceptClientsSpecs : IDisposable
{
    private readonly CaDirectory _ca = new CaDirectory().WithNewCa();
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("outcall-icpt-clients-");

    public void Dispose()
    {
        _work.Delete(recursive: true);
        _ca.Dispose();
    }

    // http.scheme is "" at the CONNECT, so the block can only match the decrypted push inside the tunnel.
    private const string GitCloneButNoPush = """
        version: "1"
        rules:
          - id: git-no-push
            priority: 10
            condition: http.scheme == "https" && http.path.endsWith("/git-receive-pack")
            action: block
          - id: git
            condition: network.hostname == "git.test"
            action: allow
            egress:
              mode: intercept
              allow_private_ips: true
        """;

    private const string InterceptOrigin = """
        version: "1"
        rules:
          - id: origin
            condition: network.hostname == "origin.test"
            action: allow
            egress:
              mode: intercept
              allow_private_ips: true
        """;

    private Task<ProxyHarness> StartProxyAsync(string rules, string host, string trustPem) =>
        ProxyHarness.StartAsync(rules, $$"""
            outcall.intercept {
              ca-cert = "{{_ca.CertificatePath}}"
              ca-key = "{{_ca.KeyPath}}"
              upstream-trust = ["{{trustPem}}"]
            }
            """, new StaticResolver().Map(host, IPAddress.Loopback));

    private X509Certificate2 NodeCa() => CaFiles.ParseCertificate(_ca.CertificatePath);

    [Fact]
    public async Task Git_clones_through_an_intercepted_tunnel_and_a_rule_on_git_receive_pack_refuses_the_push()
    {
        await using var server = await GitHttpServer.StartAsync(https: true);
        await using var proxy = await StartProxyAsync(GitCloneButNoPush, GitHttpServer.HostName, server.CertificatePemPath!);
        var clone = Path.Combine(_work.FullName, "clone");

        var (cloneExit, cloneOutput) = await GitAsync(proxy, _work.FullName, "clone", server.RepositoryUrl, clone);
        Assert.True(cloneExit == 0, cloneOutput);
        Assert.Equal("hello\n", await File.ReadAllTextAsync(Path.Combine(clone, "README")));
        await File.WriteAllTextAsync(Path.Combine(clone, "refused.txt"), "refused");
        await Git.RunCheckedAsync(clone, "add", ".");
        await Git.RunCheckedAsync(clone, "commit", "-m", "refused");
        var (pushExit, pushOutput) = await GitAsync(proxy, clone, "push", "origin", "main");

        Assert.NotEqual(0, pushExit);
        Assert.Contains("403", pushOutput);
        Assert.Equal("first", await server.HeadSubjectAsync());
        // Judged inside the tunnel: the node intercepted, and the refusal names the rule.
        await proxy.Log.WaitForLineAsync(line => line.Contains("git-no-push", StringComparison.Ordinal));
    }

    /// <summary>git trusting only the node's CA (GIT_SSL_CAINFO, the variable form of http.sslCAInfo), proxied by http.proxy.</summary>
    private Task<(int Exit, string Output)> GitAsync(ProxyHarness proxy, string directory, params string[] args) =>
        Git.RunAsync(directory, new Dictionary<string, string> { ["GIT_SSL_CAINFO"] = _ca.CertificatePath },
            ["-c", $"http.proxy=http://{proxy.Endpoint}", .. args]);
}
