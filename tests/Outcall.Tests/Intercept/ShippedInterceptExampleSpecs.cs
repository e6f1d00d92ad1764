using System.Runtime.Versioning;
using Outcall.Tests.Proxy;

namespace Outcall.Tests.Intercept;

/// <summary>Issue 14: the GitHub example shipped in rules.d/intercept loads as written on a node with a CA, and only there.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class ShippedInterceptExampleSpecs : IDisposable
{
    private readonly CaDirectory _ca = new CaDirectory().WithNewCa();

    public void Dispose() => _ca.Dispose();

    private static string Example()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var file = Path.Combine(directory.FullName, "rules.d", "intercept", "github-no-push.yaml");
            if (File.Exists(file)) return File.ReadAllText(file);
        }
        throw new InvalidOperationException("rules.d/intercept/github-no-push.yaml not found above the test output directory");
    }

    [Fact]
    public async Task The_github_no_push_example_loads_on_a_node_with_a_CA()
    {
        await using var node = await ProxyHarness.StartAsync(Example(), $$"""
            outcall.intercept { ca-cert = "{{_ca.CertificatePath}}", ca-key = "{{_ca.KeyPath}}" }
            """);

        Assert.NotNull(node.Endpoint);
    }

    [Fact]
    public async Task The_github_no_push_example_is_a_load_error_naming_the_rule_on_a_node_without_a_CA()
    {
        var refusal = await Assert.ThrowsAsync<Outcall.Host.StartupException>(async () => await (await ProxyHarness.StartAsync(Example())).DisposeAsync());

        Assert.Contains("github", refusal.Message);
        Assert.Contains("rules.yaml", refusal.Message);
    }
}
