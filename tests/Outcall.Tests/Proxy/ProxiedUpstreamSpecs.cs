namespace Outcall.Tests.Proxy;

/// <summary>Base of specs that need a Kestrel upstream and a proxy node, both fresh for each test.</summary>
public abstract class ProxiedUpstreamSpecs(string rules = ProxyHarness.AllowAll, string extraHocon = "") : IAsyncLifetime
{
    protected HttpUpstream Upstream { get; private set; } = null!;
    protected ProxyHarness Proxy { get; private set; } = null!;

    /// <summary>Names the proxy resolves in this spec; none by default.</summary>
    protected virtual StaticResolver CreateResolver() => new();

    public async Task InitializeAsync()
    {
        Upstream = await HttpUpstream.StartAsync();
        Proxy = await ProxyHarness.StartAsync(rules, extraHocon, CreateResolver());
    }

    public async Task DisposeAsync()
    {
        await Proxy.DisposeAsync();
        await Upstream.DisposeAsync();
    }
}
