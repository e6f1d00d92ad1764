using Outcall.Tests.Proxy;

namespace Outcall.Tests.Admin;

/// <summary>One node with the admin API on a free port, shared by the read-only specs of a class.</summary>
public sealed class AdminNode : IAsyncLifetime
{
    public const string Rules = """
        version: "1"
        rules:
          - id: allow-example
            condition: network.hostname == "example.com"
            action: allow
            priority: 10
            log: true
            description: "Example is fine"
          - id: block-evil
            condition: network.hostname.endsWith(".evil.test")
            action: block
        """;

    public ProxyHarness Proxy { get; private set; } = null!;
    public AdminHttp Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Proxy = await ProxyHarness.StartAsync(Rules, $"{ProxyHarness.WithAdmin}\noutcall.rules.watch = off");
        Http = new AdminHttp(Proxy.AdminUri);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Proxy.DisposeAsync();
    }
}
