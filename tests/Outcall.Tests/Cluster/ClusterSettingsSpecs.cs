using Akka.Configuration;
using Outcall.Cluster;

namespace Outcall.Tests.Cluster;

/// <summary>The outcall.cluster section.</summary>
public sealed class ClusterSettingsSpecs
{
    [Fact]
    public void By_default_clustering_is_off_with_keep_majority_and_a_frame_above_the_largest_set()
    {
        var settings = ClusterSettings.Create(Config.Empty);

        Assert.False(settings.Enabled);
        Assert.Equal(("127.0.0.1", 4053), (settings.Hostname, settings.Port));
        Assert.Empty(settings.SeedNodes);
        Assert.Equal(["egress"], settings.Roles);
        Assert.Equal(SplitBrainStrategy.KeepMajority, settings.SplitBrainStrategy);
        Assert.True(settings.MaxRuleSetBytes * 2 <= settings.MaximumFrameSize);
    }

    [Fact]
    public void Seed_nodes_strategy_and_sizes_are_read()
    {
        var settings = ClusterSettings.Create(ConfigurationFactory.ParseString("""
            outcall.cluster {
              enabled = on
              port = 0
              seed-nodes = ["akka.tcp://outcall@10.0.0.1:4053", "akka.tcp://outcall@node-b:4054"]
              roles = ["egress", "eu"]
              split-brain-resolver { active-strategy = keep-oldest, stable-after = 7s }
              maximum-frame-size = 1MiB
              max-rule-set-bytes = 512KiB
            }
            """));

        Assert.True(settings.Enabled);
        Assert.Equal(["akka.tcp://outcall@10.0.0.1:4053", "akka.tcp://outcall@node-b:4054"], settings.SeedNodes.Select(a => a.ToString()));
        Assert.Equal(["egress", "eu"], settings.Roles);
        Assert.Equal((SplitBrainStrategy.KeepOldest, TimeSpan.FromSeconds(7)), (settings.SplitBrainStrategy, settings.StableAfter));
        Assert.Equal((1024 * 1024, 512 * 1024), (settings.MaximumFrameSize, settings.MaxRuleSetBytes));
    }

    [Theory]
    [InlineData("seed-nodes = [\"10.0.0.1:4053\"]")]
    [InlineData("seed-nodes = [\"akka.tcp://other@10.0.0.1:4053\"]")]
    [InlineData("seed-nodes = [\"akka://outcall@10.0.0.1:4053\"]")]
    [InlineData("seed-nodes = [\"akka.tcp://outcall@10.0.0.1\"]")]
    [InlineData("port = 70000")]
    [InlineData("hostname = \"\"")]
    [InlineData("roles = [\"\"]")]
    [InlineData("split-brain-resolver.active-strategy = down-all")]
    [InlineData("split-brain-resolver.stable-after = 0s")]
    [InlineData("maximum-frame-size = 16000b")]
    [InlineData("max-rule-set-bytes = 3MiB")]
    public void A_bad_value_is_a_configuration_error(string hocon) =>
        Assert.Throws<ConfigurationException>(() => ClusterSettings.Create(ConfigurationFactory.ParseString($"outcall.cluster {{ {hocon} }}")));
}
