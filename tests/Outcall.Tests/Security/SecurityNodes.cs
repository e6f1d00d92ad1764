using System.Net;
using Outcall.Tests.Proxy;

namespace Outcall.Tests.Security;

/// <summary>
/// Two real nodes shared by the security specs. Permissive: every request is allowed, private
/// destinations included, so only the proxy's own defences can stop a hostile request (one block rule
/// on an SNI proves the ClientHello is judged). PublicOnly: every request is allowed by a rule that
/// does NOT set egress.allow_private_ips, except optin.test, whose rule opts in (FR-026 / EC-016).
/// </summary>
public sealed class SecurityNodes : IAsyncLifetime
{
    private const string PermissiveRules = """
        version: "1"
        rules:
          - id: block-fronted-sni
            condition: network.hostname == "blocked-sni.test"
            action: block
            priority: 10
          - id: allow-all
            condition: "true"
            action: allow
            egress:
              allow_private_ips: true
        """;

    private const string PublicOnlyRules = """
        version: "1"
        rules:
          - id: opt-in-private
            condition: network.hostname == "optin.test"
            action: allow
            priority: 10
            egress:
              allow_private_ips: true
          - id: allow-any-public
            condition: "true"
            action: allow
        """;

    /// <summary>Short bounds so stalled-client cases end quickly and deterministically.</summary>
    private const string Timeouts = """
        outcall.proxy.header-timeout = 2s
        outcall.proxy.client-hello-timeout = 1s
        outcall.proxy.connect-timeout = 2s
        outcall.proxy.idle-timeout = 2s
        """;

    public ProxyHarness Permissive { get; private set; } = null!;
    public ProxyHarness PublicOnly { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Permissive = await ProxyHarness.StartAsync(PermissiveRules, Timeouts);
        var resolver = new StaticResolver()
            .Map("rebind.test", IPAddress.Loopback)
            .Map("optin.test", IPAddress.Loopback)
            .Map("mixed.test", IPAddress.Parse("93.184.215.14"), IPAddress.Loopback)
            .Map("metadata.test", IPAddress.Parse("169.254.169.254"));
        PublicOnly = await ProxyHarness.StartAsync(PublicOnlyRules, Timeouts, resolver);
    }

    public async Task DisposeAsync()
    {
        await Permissive.DisposeAsync();
        await PublicOnly.DisposeAsync();
    }
}
