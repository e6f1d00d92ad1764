using System.Collections.Concurrent;
using System.Diagnostics;
using Outcall.Tests.Cli;
using Outcall.Tests.Proxy;
using AkkaCluster = Akka.Cluster.Cluster;

namespace Outcall.Tests.Cluster;

/// <summary>
/// Issue 16: a node killed with SIGKILL under traffic. Two nodes run in this process, the third is a real
/// `outcall run` child so the kill is real. The split brain resolver (keep-majority) downs the dead node; the
/// other two never stop serving and still replicate a rule reload between them.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class NodeKilledSpecs : IAsyncLifetime
{
    private static readonly TimeSpan Downing = TimeSpan.FromSeconds(90);
    private HttpUpstream _upstream = null!;

    public async Task InitializeAsync() => _upstream = await HttpUpstream.StartAsync();

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    [Fact]
    public async Task A_node_killed_under_traffic_is_downed_and_the_other_two_keep_serving_and_replicating()
    {
        await using var cluster = await TestCluster.StartAsync(2, TestCluster.Allowing);
        var dir = Directory.CreateTempSubdirectory("outcall-killed-");
        using var child = StartChild(dir, cluster);
        try
        {
            var (childPort, childOutput) = await OutcallProcess.ListeningPortAsync(child);
            await Until.TrueAsync(() => cluster.Nodes.All(n => TestCluster.UpMembers(n) == 3), "the child to be up on both nodes", TimeSpan.FromSeconds(60));
            var known = cluster.Nodes.Select(n => AkkaCluster.Get(n.Node.System).SelfAddress).ToHashSet();
            var childAddress = AkkaCluster.Get(cluster.Nodes[0].Node.System).State.Members.Single(m => !known.Contains(m.Address)).Address;
            await Until.TrueAsync(async () => await GetThroughAsync(childPort) == 200, "the child to serve with the cluster's set");

            var statuses = new ConcurrentQueue<int>();
            using var stop = new CancellationTokenSource();
            var traffic = cluster.Nodes.Select(node => Task.Run(() => TrafficAsync(node, statuses, stop.Token))).ToArray();
            await Until.TrueAsync(() => statuses.Count >= 20, "traffic through both nodes");

            OutcallProcess.KillAbruptly(child);
            await child.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            var servedBeforeDowning = statuses.Count;

            foreach (var node in cluster.Nodes)
                await Until.TrueAsync(() => AkkaCluster.Get(node.Node.System).State.Members.All(m => m.Address != childAddress),
                    "the killed node to be downed and removed", Downing);
            await Until.TrueAsync(() => statuses.Count >= servedBeforeDowning + 20, "traffic after the downing");
            await stop.CancelAsync();
            await Task.WhenAll(traffic);

            Assert.All(statuses, status => Assert.Equal(200, status));
            // The resolver, not a leave: the leader's resolver logged its decision to down the unreachable node.
            Assert.Contains(cluster.Nodes.SelectMany(n => n.Log.Lines()), line => line.Contains("SBR took decision", StringComparison.Ordinal));
            foreach (var node in cluster.Nodes) Assert.Equal(2, TestCluster.UpMembers(node));

            var reload = await TestCluster.ReloadAsync(cluster.Nodes[0], TestCluster.Blocking);
            Assert.True(reload.Succeeded);
            await Until.TrueAsync(async () => await TestCluster.GetThroughProxyAsync(cluster.Nodes[1], _upstream) == 403, "the reload replicated to the other survivor");
            Assert.Equal(reload.Active.ContentHash, (await TestCluster.OwnStatusAsync(cluster.Nodes[1])).RuleSetHash);
            _ = await childOutput.WaitAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            if (!child.HasExited) child.Kill(entireProcessTree: true);
            dir.Delete(recursive: true);
        }
    }

    private static Process StartChild(DirectoryInfo dir, TestCluster cluster)
    {
        var rules = Directory.CreateDirectory(Path.Combine(dir.FullName, "rules"));
        File.WriteAllText(Path.Combine(rules.FullName, "rules.yaml"), TestCluster.Allowing);
        var config = Path.Combine(dir.FullName, "node.conf");
        File.WriteAllText(config, TestCluster.Hocon(cluster.Seed) + "\noutcall.rules.watch = off\n");
        return OutcallProcess.Start(dir.FullName, "run", "--config", config, "--listen", "127.0.0.1:0", "--rules-dir", rules.FullName);
    }

    private async Task<int> GetThroughAsync(int proxyPort)
    {
        using var client = new HttpClient(new SocketsHttpHandler { Proxy = new System.Net.WebProxy($"http://127.0.0.1:{proxyPort}"), UseProxy = true })
        {
            Timeout = TimeSpan.FromSeconds(10),
        };
        using var response = await client.GetAsync($"http://127.0.0.1:{_upstream.Port}/echo/child");
        return (int)response.StatusCode;
    }

    /// <summary>A well-behaved client of one surviving node until stopped; every status is kept.</summary>
    private async Task TrafficAsync(ProxyHarness node, ConcurrentQueue<int> statuses, CancellationToken stop)
    {
        using var client = node.CreateClient(TimeSpan.FromSeconds(20));
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var response = await client.GetAsync($"http://127.0.0.1:{_upstream.Port}/echo/survivor", stop);
                statuses.Enqueue((int)response.StatusCode);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            await Task.Delay(20, CancellationToken.None);
        }
    }
}
