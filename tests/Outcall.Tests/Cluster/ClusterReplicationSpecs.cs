using System.Text;
using Akka.Actor;
using Akka.DistributedData;
using Outcall.Cluster;
using Outcall.Rules;
using Outcall.Tests.Proxy;
using AkkaCluster = Akka.Cluster.Cluster;

namespace Outcall.Tests.Cluster;

/// <summary>One rule set for the whole fleet: real nodes, real proxy ports, real upstream (issue 7).</summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterReplicationSpecs : IAsyncLifetime
{
    private HttpUpstream _upstream = null!;

    public async Task InitializeAsync() => _upstream = await HttpUpstream.StartAsync();

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    [Fact]
    public async Task A_reload_on_one_node_is_enforced_through_the_proxy_ports_of_the_others()
    {
        await using var cluster = await TestCluster.StartAsync(3, TestCluster.Blocking);
        foreach (var node in cluster.Nodes) Assert.Equal(403, await TestCluster.GetThroughProxyAsync(node, _upstream));

        var reload = await TestCluster.ReloadAsync(cluster.Nodes[0], TestCluster.Allowing);
        Assert.True(reload.Succeeded);

        foreach (var node in cluster.Nodes.Skip(1))
            await Until.TrueAsync(async () => await TestCluster.GetThroughProxyAsync(node, _upstream) == 200, "the allow rule through another node's proxy");
        var status = await TestCluster.OwnStatusAsync(cluster.Nodes[2]);
        Assert.Equal(reload.Active.ContentHash, status.RuleSetHash);
        Assert.Equal("replicated", status.RulesFrom);
    }

    [Fact]
    public async Task A_late_joiner_takes_the_clusters_set_over_its_own_files()
    {
        await using var cluster = await TestCluster.StartAsync(2, TestCluster.Blocking);
        var reload = await TestCluster.ReloadAsync(cluster.Nodes[0], TestCluster.Allowing);
        await Until.TrueAsync(async () => (await TestCluster.OwnStatusAsync(cluster.Nodes[1])).RuleSetHash == reload.Active.ContentHash,
            "the second node to run the reloaded set");

        var joiner = await cluster.JoinAsync(TestCluster.Blocking);

        await Until.TrueAsync(async () => await TestCluster.GetThroughProxyAsync(joiner, _upstream) == 200, "the joiner to enforce the cluster's set");
        var status = await TestCluster.OwnStatusAsync(joiner);
        Assert.Equal(reload.Active.ContentHash, status.RuleSetHash);
        Assert.Equal((await TestCluster.OwnStatusAsync(cluster.Nodes[0])).RuleSetVersion, status.RuleSetVersion);
    }

    /// <summary>
    /// A node publishes only sets it validated itself, so a set fails on a receiver only when the two
    /// disagree about what is valid: in a rolling upgrade a newer node may accept a field older nodes do
    /// not know. Modelled by writing such a set straight into the replicated register.
    /// </summary>
    [Fact]
    public async Task A_set_the_receivers_cannot_load_is_refused_everywhere_and_the_good_set_stays()
    {
        await using var cluster = await TestCluster.StartAsync(3, TestCluster.Allowing);
        var good = (await TestCluster.OwnStatusAsync(cluster.Nodes[0])).RuleSetHash;
        const string fromANewerVersion = """
            version: "1"
            rules:
              - id: allow-tenant
                condition: request.tenant == "blue"
                action: allow
            """;
        var system = cluster.Nodes[1].Node.System;
        var writer = AkkaCluster.Get(system).SelfUniqueAddress;
        var payload = new ReplicatedRuleSet([new RuleFile("tenants.yaml", fromANewerVersion)], new string('a', 64), DateTimeOffset.UtcNow,
            writer.Address.ToString()).Encode();
        var now = DateTime.UtcNow.Ticks;
        var written = await DistributedData.Get(system).Replicator.Ask<IUpdateResponse>(
            Dsl.Update(RuleReplicator.RulesKey, new LWWRegister<byte[]>(writer, [], 0), new WriteAll(TimeSpan.FromSeconds(5)),
                register => register.WithValue(writer, payload, (current, _) => Math.Max(current + 1, now))),
            TimeSpan.FromSeconds(10));
        Assert.True(written.IsSuccessful);

        foreach (var node in cluster.Nodes)
        {
            await Until.TrueAsync(async () => (await TestCluster.OwnStatusAsync(node)).Rejected is not null, "the node to refuse the set");
            var status = await TestCluster.OwnStatusAsync(node);
            Assert.Equal(good, status.RuleSetHash);
            Assert.Contains(status.Rejected!.Errors, e => e.StartsWith("tenants.yaml:", StringComparison.Ordinal) && e.Contains("allow-tenant"));
            Assert.Equal(200, await TestCluster.GetThroughProxyAsync(node, _upstream));
        }
        // Every node's refusal is visible from any one node.
        var fleet = await TestCluster.FleetAsync(cluster.Nodes[0]);
        await Until.TrueAsync(async () => (await TestCluster.FleetAsync(cluster.Nodes[0])).Members.All(m => m.Node?.Rejected is not null),
            "every refusal in the fleet status");
        Assert.Equal(3, fleet.Members.Count);
    }

    [Fact]
    public async Task A_stopped_node_leaves_and_the_others_keep_serving()
    {
        await using var cluster = await TestCluster.StartAsync(3, TestCluster.Allowing);
        var leaving = cluster.Nodes[2];
        var leavingAddress = AkkaCluster.Get(leaving.Node.System).SelfAddress.ToString();

        await leaving.Node.StopAsync();

        await Until.TrueAsync(async () => (await TestCluster.FleetAsync(cluster.Nodes[0])).Members.All(m => m.Address != leavingAddress),
            "the stopped node to be removed");
        foreach (var node in cluster.Nodes.Take(2)) Assert.Equal(200, await TestCluster.GetThroughProxyAsync(node, _upstream));
        // The rest still replicate among themselves.
        var reload = await TestCluster.ReloadAsync(cluster.Nodes[0], TestCluster.Blocking);
        await Until.TrueAsync(async () => await TestCluster.GetThroughProxyAsync(cluster.Nodes[1], _upstream) == 403, "the block rule on the other node");
        Assert.True(reload.Succeeded);
    }

    [Fact]
    public async Task A_rule_set_of_megabytes_replicates_past_Akkas_default_frame_limit()
    {
        await using var cluster = await TestCluster.StartAsync(3, TestCluster.Blocking);
        var large = LargeRules(out var yamlBytes);
        var compressed = new ReplicatedRuleSet([new RuleFile("large.yaml", large)], "", DateTimeOffset.UtcNow, "x").Encode().Length;
        Assert.InRange(yamlBytes, 1_000_000, 2_500_000);
        Assert.True(compressed > 128_000, $"the compressed set ({compressed} bytes) must exceed Akka's default 128 KB frame to prove anything");

        var reload = await TestCluster.ReloadAsync(cluster.Nodes[0], large, "rules.yaml");
        Assert.True(reload.Succeeded, string.Join("\n", reload.Load.Errors));

        foreach (var node in cluster.Nodes.Skip(1))
        {
            await Until.TrueAsync(async () => await TestCluster.GetThroughProxyAsync(node, _upstream) == 200, "the large set's allow rule on another node",
                TimeSpan.FromSeconds(30));
            var status = await TestCluster.OwnStatusAsync(node);
            Assert.Equal(reload.Active.ContentHash, status.RuleSetHash);
            Assert.Equal(reload.Active.Rules.Count, status.RuleCount);
        }
    }

    /// <summary>~1.5 MB of block rules on random-looking names (so GZip cannot shrink them below the frame limit), then the allow rule.</summary>
    private static string LargeRules(out int bytes)
    {
        var random = new Random(7);
        var yaml = new StringBuilder("version: \"1\"\nrules:\n");
        for (var rule = 0; rule < 3000; rule++)
        {
            yaml.Append($"  - id: block-{rule}\n    condition: network.hostname in [");
            for (var name = 0; name < 10; name++)
            {
                var label = new byte[16];
                random.NextBytes(label);
                yaml.Append(name == 0 ? "" : ", ").Append('"').Append(Convert.ToHexStringLower(label)).Append(".example\"");
            }
            yaml.Append("]\n    action: block\n");
        }
        yaml.Append("  - id: allow-upstream\n    condition: network.hostname == \"127.0.0.1\"\n    action: allow\n    egress:\n      allow_private_ips: true\n");
        var text = yaml.ToString();
        bytes = Encoding.UTF8.GetByteCount(text);
        return text;
    }
}
