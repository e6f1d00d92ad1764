using Akka.Configuration;
using Outcall.Host;
using Outcall.Intercept;
using Outcall.Proxy;
using Outcall.Rules;
using Outcall.Upstream;

namespace Outcall.Tests.Settings;

/// <summary>hocon/outcall.conf documents every key, with the defaults the binary really has.</summary>
public sealed class ShippedConfigSpecs
{
    private static Akka.Configuration.Config Shipped => ConfigurationFactory.ParseString(RepositoryFiles.Read("hocon/outcall.conf"));

    /// <summary>Every leaf key below <paramref name="path"/> (an empty object, like `agents { }`, counts as a leaf).</summary>
    private static IEnumerable<string> LeafPaths(Akka.Configuration.Config config, string path)
    {
        var value = config.GetValue(path);
        if (value is null || !value.IsObject() || value.GetObject().Items.Count == 0)
        {
            yield return path;
            yield break;
        }
        foreach (var key in value.GetObject().Items.Keys)
            foreach (var leaf in LeafPaths(config, $"{path}.{key}"))
                yield return leaf;
    }

    [Fact]
    public void The_walk_reaches_nested_leaves()
    {
        Assert.Contains("outcall.proxy.upstream-pool.idle-timeout", LeafPaths(OutcallConfig.Defaults, "outcall"));
    }

    [Fact]
    public void The_shipped_file_sets_every_key_the_embedded_defaults_have()
    {
        var shipped = Shipped;
        var missing = LeafPaths(OutcallConfig.Defaults, "outcall")
            .Where(path => !shipped.HasPath(path))
            .ToList();
        Assert.Empty(missing);
    }

    [Fact]
    public void The_shipped_file_sets_no_key_the_binary_does_not_know()
    {
        var unknown = LeafPaths(Shipped, "outcall")
            .Where(path => !OutcallConfig.Defaults.HasPath(path))
            .ToList();
        Assert.Empty(unknown);
    }

    [Fact]
    public void The_shipped_file_states_the_real_defaults()
    {
        // Create() lays the embedded defaults under what it is given: an empty config is the defaults.
        var shipped = Shipped;
        var defaults = Akka.Configuration.Config.Empty;
        Assert.Equal(ProxySettings.Create(defaults), ProxySettings.Create(shipped));
        Assert.Equal(RulesSettings.Create(defaults), RulesSettings.Create(shipped));
        Assert.Equal(LogSettings.Create(defaults), LogSettings.Create(shipped));
        Assert.Equal(UpstreamPoolSettings.Create(defaults), UpstreamPoolSettings.Create(shipped));
        Assert.Equal(InterceptSettings.Create(defaults), InterceptSettings.Create(shipped));
    }
}
