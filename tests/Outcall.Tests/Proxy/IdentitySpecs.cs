using System.Net;

namespace Outcall.Tests.Proxy;

/// <summary>Client identity: agent.name from the client's network, and require-known-agent.</summary>
public sealed class IdentitySpecs : IAsyncLifetime
{
    private const string Rules = """
        version: "1"
        rules:
          - id: only-the-builder
            condition: agent.name == "builder"
            action: allow
            egress:
              allow_private_ips: true
        """;

    private HttpUpstream _upstream = null!;

    public async Task InitializeAsync() => _upstream = await HttpUpstream.StartAsync();

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    [Fact]
    public async Task A_client_in_a_mapped_network_is_judged_as_its_agent()
    {
        await using var proxy = await ProxyHarness.StartAsync(Rules, "outcall.identity.agents { builder = [\"127.0.0.0/8\"] }");
        using var client = proxy.CreateClient();
        var response = await client.GetAsync($"http://{_upstream.Authority}/echo/who");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var line = await proxy.Log.WaitForLineAsync(l => l.Contains("ALLOW"));
        Assert.Contains("\"Agent\":\"builder\"", line);
    }

    [Fact]
    public async Task A_client_in_no_mapped_network_is_the_unknown_agent()
    {
        await using var proxy = await ProxyHarness.StartAsync(Rules, "outcall.identity.agents { builder = [\"10.9.0.0/16\"] }");
        using var client = proxy.CreateClient();
        var response = await client.GetAsync($"http://{_upstream.Authority}/echo/who");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var line = await proxy.Log.WaitForLineAsync(l => l.Contains("BLOCK"));
        Assert.Contains("\"Agent\":\"\"", line);
    }

    [Fact]
    public async Task With_require_known_agent_an_unknown_client_is_refused_before_evaluation()
    {
        await using var proxy = await ProxyHarness.StartAsync(ProxyHarness.AllowAll,
            "outcall.identity.agents { builder = [\"10.9.0.0/16\"] }\noutcall.identity.require-known-agent = on");
        using var client = proxy.CreateClient();
        var response = await client.GetAsync($"http://{_upstream.Authority}/echo/who");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("unknown agent", response.Headers.GetValues("X-Outcall-Block-Reason").Single());
        Assert.Equal(0, _upstream.Connections);
    }

    [Fact]
    public async Task The_most_specific_network_names_the_agent()
    {
        await using var proxy = await ProxyHarness.StartAsync(Rules,
            "outcall.identity.agents { everyone = [\"127.0.0.0/8\"], builder = [\"127.0.0.1/32\"] }");
        using var client = proxy.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"http://{_upstream.Authority}/echo/who")).StatusCode);
    }
}
