using Akka.Configuration;
using Akka.Streams;
using Outcall.Proxy;
using Outcall.Tunnels;

namespace Outcall.Tests.Tunnels;

/// <summary>`outcall.proxy.splice-pipes`: how many kernel pipes spliced tunnels may hold at once; 0 turns splice off.</summary>
public sealed class SplicePipesSettingSpecs : Akka.TestKit.Xunit2.TestKit
{
    [Fact]
    public void Splice_is_on_by_default_with_32_pipes()
    {
        Assert.Equal(32, ProxySettings.Create(Config.Empty).SplicePipes);
    }

    [Fact]
    public void Zero_pipes_turns_splice_off_so_every_tunnel_copies()
    {
        var settings = ProxySettings.Create(ConfigurationFactory.ParseString("outcall.proxy.splice-pipes = 0"));

        var graph = new TunnelGraph(settings.IdleTimeout, Sys.Materializer(), settings.SplicePipes);

        Assert.Null(graph.Pipes);
        Assert.Equal(0, graph.SpliceDescriptors);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("many")]
    public void A_pipe_count_that_is_not_a_count_is_refused_naming_the_key(string value)
    {
        var error = Assert.ThrowsAny<Exception>(() =>
            ProxySettings.Create(ConfigurationFactory.ParseString($"outcall.proxy.splice-pipes = {value}")));
        Assert.Contains("splice-pipes", error.Message);
    }

    [Fact]
    public void A_graph_names_the_descriptors_its_pipes_may_hold_for_the_connection_budget()
    {
        var graph = new TunnelGraph(TimeSpan.FromSeconds(30), Sys.Materializer(), splicePipes: 16);

        Assert.Equal(Splice.Supported ? 32 : 0, graph.SpliceDescriptors);
    }
}
