using Akka.Actor;
using Outcall.Cluster;
using Outcall.Rules;
using Outcall.Tests.Proxy;
using AkkaCluster = Akka.Cluster.Cluster;

namespace Outcall.Tests.Cluster;

/// <summary>
/// Real Outcall nodes clustered in this process: remoting on 127.0.0.1:0, the first node forms the
/// cluster and its bound address is every later node's seed. Each node has its own proxy port, admin
/// port and rules directory. Gossip is tuned fast so the specs' bounded waits stay short.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterCollection
{
    /// <summary>Cluster specs run alone: several actor systems gossiping need the CPU to keep their heartbeats.</summary>
    public const string Name = "cluster";
}

public sealed class TestCluster : IAsyncDisposable
{
    public const string Blocking = """
        version: "1"
        rules:
          - id: block-upstream
            condition: network.hostname == "127.0.0.1"
            action: block
        """;

    public const string Allowing = """
        version: "1"
        rules:
          - id: allow-upstream
            condition: network.hostname == "127.0.0.1"
            action: allow
            egress:
              allow_private_ips: true
        """;

    private readonly List<ProxyHarness> _nodes;

    public IReadOnlyList<ProxyHarness> Nodes => _nodes;
    public Address Seed { get; }

    private TestCluster(List<ProxyHarness> nodes, Address seed)
    {
        _nodes = nodes;
        Seed = seed;
    }

    /// <param name="extraHocon">More settings for every node (e.g. a CA), after the cluster's.</param>
    public static async Task<TestCluster> StartAsync(int size, string rulesYaml = Blocking, string extraHocon = "")
    {
        var first = await ProxyHarness.StartAsync(rulesYaml, Hocon(seed: null) + "\n" + extraHocon);
        var seed = AkkaCluster.Get(first.Node.System).SelfAddress;
        var cluster = new TestCluster([first], seed);
        try
        {
            var others = await Task.WhenAll(Enumerable.Range(1, size - 1).Select(_ => ProxyHarness.StartAsync(rulesYaml, Hocon(seed) + "\n" + extraHocon)));
            cluster._nodes.AddRange(others);
            await cluster.AwaitConvergedAsync();
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    /// <summary>Starts one more node with its own rules and waits until every node sees it up.</summary>
    public async Task<ProxyHarness> JoinAsync(string rulesYaml)
    {
        var node = await ProxyHarness.StartAsync(rulesYaml, Hocon(Seed));
        _nodes.Add(node);
        await Until.TrueAsync(() => _nodes.All(n => UpMembers(n) == _nodes.Count), "the new node to be up everywhere");
        return node;
    }

    /// <summary>Every node sees every node up, and every node runs the version the cluster's register holds.</summary>
    public async Task AwaitConvergedAsync()
    {
        await Until.TrueAsync(() => _nodes.All(n => UpMembers(n) == _nodes.Count), "every node to see every node up");
        await Until.TrueAsync(async () =>
        {
            var versions = new List<string?>();
            foreach (var node in _nodes) versions.Add((await FleetAsync(node)).Members.Single(m => m.Address == m.Node?.Address && IsSelf(node, m)).Node!.RuleSetVersion);
            return versions.All(v => v is not null) && versions.Distinct().Count() == 1;
        }, "every node to run the same replicated version");
    }

    public static int UpMembers(ProxyHarness node) =>
        AkkaCluster.Get(node.Node.System).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up);

    public static Task<FleetStatus> FleetAsync(ProxyHarness node) =>
        node.Node.ClusterRules!.Ask<FleetStatus>(RuleReplicator.GetFleetStatus.Instance, TimeSpan.FromSeconds(5));

    /// <summary>What <paramref name="node"/> reports about itself.</summary>
    public static async Task<NodeStatus> OwnStatusAsync(ProxyHarness node)
    {
        var fleet = await FleetAsync(node);
        return fleet.Members.Single(m => m.Address == fleet.Self).Node!;
    }

    private static bool IsSelf(ProxyHarness node, FleetMember member) =>
        member.Address == AkkaCluster.Get(node.Node.System).SelfAddress.ToString();

    /// <summary>Replaces the node's rule file and reloads through its engine, as SIGHUP or the admin API would.</summary>
    public static async Task<RuleEngine.ReloadResult> ReloadAsync(ProxyHarness node, string rulesYaml, string file = "rules.yaml")
    {
        await File.WriteAllTextAsync(Path.Combine(node.RulesDir.FullName, file), rulesYaml);
        return await node.Node.RuleEngine.Ask<RuleEngine.ReloadResult>(RuleEngine.Reload.Instance, TimeSpan.FromSeconds(20));
    }

    /// <summary>The status code a GET through the node's proxy port gets from the upstream.</summary>
    public static async Task<int> GetThroughProxyAsync(ProxyHarness node, HttpUpstream upstream)
    {
        using var client = node.CreateClient(TimeSpan.FromSeconds(10));
        using var response = await client.GetAsync($"http://127.0.0.1:{upstream.Port}/echo/cluster");
        return (int)response.StatusCode;
    }

    /// <summary>A node's cluster settings joining <paramref name="seed"/> (forming the cluster when null); also what a child `outcall run` is given.</summary>
    internal static string Hocon(Address? seed) => $$"""
        outcall.log.level = info
        outcall.admin.listen = "127.0.0.1:0"
        outcall.cluster {
          enabled = on
          port = 0
          seed-nodes = [{{(seed is null ? "" : $"\"{seed}\"")}}]
          status-interval = 200ms
          # Generous: a busy test machine must not make a node look dead (no spec here relies on downing).
          split-brain-resolver.stable-after = 10s
        }
        akka.cluster {
          failure-detector.acceptable-heartbeat-pause = 10s
          gossip-interval = 200ms
          leader-actions-interval = 200ms
          periodic-tasks-initial-delay = 100ms
          distributed-data.gossip-interval = 200ms
          distributed-data.notify-subscribers-interval = 50ms
        }
        """;

    public async ValueTask DisposeAsync()
    {
        // Later nodes leave first, so the first (usually the leader) confirms their exit.
        for (var i = _nodes.Count - 1; i >= 0; i--) await _nodes[i].DisposeAsync();
    }
}

/// <summary>Bounded waiting, polling a condition that may need I/O.</summary>
public static class Until
{
    public static Task TrueAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        TrueAsync(() => Task.FromResult(condition()), what, timeout);

    public static async Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        Exception? last = null;
        while (true)
        {
            try
            {
                if (await condition()) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or AskTimeoutException or InvalidOperationException)
            {
                last = e;
            }
            if (DateTime.UtcNow > deadline)
                throw new Xunit.Sdk.XunitException($"timed out waiting for {what}{(last is null ? "" : $" (last error: {last.Message})")}");
            await Task.Delay(50);
        }
    }
}
