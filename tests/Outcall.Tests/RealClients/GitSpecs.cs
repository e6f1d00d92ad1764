using System.Net;
using Outcall.Tests.Proxy;

namespace Outcall.Tests.RealClients;

/// <summary>
/// The real `git` binary through the proxy (issue 12, real clients): clone and push over http:// (the
/// proxy forwards smart-HTTP requests) and over https:// (a CONNECT tunnel, TLS end to end), and a rule
/// set that lets a clone through but refuses the push. The repository is reachable only by its name,
/// which only the proxy's resolver knows, so nothing can bypass the proxy.
/// </summary>
public sealed class GitSpecs : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("outcall-git-client-");

    public void Dispose() => _work.Delete(recursive: true);

    private const string AllowGit = """
        version: "1"
        rules:
          - id: allow-git
            condition: network.hostname == "git.test"
            action: allow
            egress:
              allow_private_ips: true
        """;

    // FR-007 / S003-IF-013: a push over plain HTTP is the POST to .../git-receive-pack.
    private const string CloneButNoPlainPush = """
        version: "1"
        rules:
          - id: block-plain-http-push
            condition: http.scheme == "http" && http.path.endsWith("/git-receive-pack")
            action: block
            priority: 10
          - id: allow-git
            condition: network.hostname == "git.test"
            action: allow
            egress:
              allow_private_ips: true
        """;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Git_clones_and_pushes_through_the_proxy(bool https)
    {
        await using var server = await GitHttpServer.StartAsync(https);
        await using var proxy = await StartProxyAsync(AllowGit);

        var clone = await CloneAsync(proxy, server);
        await CommitAsync(clone, "second");
        var (exit, output) = await GitThroughProxyAsync(proxy, server, clone, "push", "origin", "main");

        Assert.True(exit == 0, output);
        Assert.Equal("hello\n", await File.ReadAllTextAsync(Path.Combine(clone, "README")));
        Assert.Equal("second", await server.HeadSubjectAsync());
    }

    [Fact]
    public async Task A_rule_on_git_receive_pack_refuses_the_push_over_plain_http_and_lets_the_clone_through()
    {
        await using var server = await GitHttpServer.StartAsync(https: false);
        await using var proxy = await StartProxyAsync(CloneButNoPlainPush);

        var clone = await CloneAsync(proxy, server);
        await CommitAsync(clone, "refused");
        var (exit, output) = await GitThroughProxyAsync(proxy, server, clone, "push", "origin", "main");

        Assert.NotEqual(0, exit);
        Assert.Contains("403", output);
        Assert.Equal("first", await server.HeadSubjectAsync());
        await proxy.Log.WaitForLineAsync(line => line.Contains("block-plain-http-push", StringComparison.Ordinal));
    }

    private static async Task<ProxyHarness> StartProxyAsync(string rules) =>
        await ProxyHarness.StartAsync(rules, resolver: new StaticResolver().Map(GitHttpServer.HostName, IPAddress.Loopback));

    private async Task<string> CloneAsync(ProxyHarness proxy, GitHttpServer server)
    {
        var clone = Path.Combine(_work.FullName, "clone");
        var (exit, output) = await GitThroughProxyAsync(proxy, server, _work.FullName, "clone", server.RepositoryUrl, clone);
        Assert.True(exit == 0, output);
        return clone;
    }

    private static async Task CommitAsync(string clone, string subject)
    {
        await File.WriteAllTextAsync(Path.Combine(clone, $"{subject}.txt"), subject);
        await Git.RunCheckedAsync(clone, "add", ".");
        await Git.RunCheckedAsync(clone, "commit", "-m", subject);
    }

    /// <summary>
    /// git with the proxy set for every URL and, over https, the server's certificate as its CA file.
    /// The CA goes in GIT_SSL_CAINFO, the variable form of http.sslCAInfo: Debian's git 2.39.5
    /// (libcurl-gnutls) verified against the system bundle when given `-c http.sslCAInfo=<pem>`.
    /// </summary>
    private static Task<(int Exit, string Output)> GitThroughProxyAsync(ProxyHarness proxy, GitHttpServer server, string directory, params string[] args)
    {
        var environment = new Dictionary<string, string>();
        if (server.CertificatePemPath is { } pem) environment["GIT_SSL_CAINFO"] = pem;
        return Git.RunAsync(directory, environment, ["-c", $"http.proxy=http://{proxy.Endpoint}", .. args]);
    }
}
