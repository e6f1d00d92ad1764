using System.Net;
using System.Text.Json;
using Akka.Actor;
using Outcall.Host.Admin;
using Outcall.Tests.Admin;
using AkkaCluster = Akka.Cluster.Cluster;

namespace Outcall.Tests.Cluster;

/// <summary>A two-node cluster that the fleet-status specs only read.</summary>
public sealed class TwoNodeCluster : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await TestCluster.StartAsync(2, TestCluster.Allowing);

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>GET /api/v1/cluster, `outcall cluster status`, and when a stopping node leaves.</summary>
[Collection(ClusterCollection.Name)]
public sealed class FleetStatusSpecs(TwoNodeCluster fixture) : IClassFixture<TwoNodeCluster>
{
    private TestCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task The_admin_API_lists_every_member_with_its_status_roles_and_rule_set()
    {
        var first = Cluster.Nodes[0];
        using var admin = new AdminHttp(first.AdminUri);
        var addresses = Cluster.Nodes.Select(n => AkkaCluster.Get(n.Node.System).SelfAddress.ToString()).ToList();
        var hash = (await TestCluster.OwnStatusAsync(first)).RuleSetHash;

        // Each node's report reaches the others by gossip: wait until node 1 has node 2's.
        JsonElement data = default;
        await Until.TrueAsync(async () =>
        {
            var (status, body) = await admin.GetJsonAsync("api/v1/cluster");
            Assert.Equal(HttpStatusCode.OK, status);
            data = AdminHttp.Envelope(body, success: true);
            return data.GetProperty("members").EnumerateArray().All(m =>
                m.GetProperty("node") is { ValueKind: JsonValueKind.Object } node && node.GetProperty("rule_set_version").ValueKind == JsonValueKind.String);
        }, "both nodes' reports, each with its version, on node 1");

        Assert.Equal(addresses[0], data.GetProperty("self").GetString());
        var members = data.GetProperty("members").EnumerateArray().ToList();
        Assert.Equal(addresses.Order(), members.Select(m => m.GetProperty("address").GetString()).Order());
        Assert.All(members, member =>
        {
            Assert.Equal("up", member.GetProperty("status").GetString());
            Assert.True(member.GetProperty("reachable").GetBoolean());
            Assert.Equal(["egress"], member.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
            var node = member.GetProperty("node");
            Assert.Equal(hash, node.GetProperty("rule_set_hash").GetString());
            Assert.Equal(1, node.GetProperty("rule_count").GetInt32());
            Assert.False(string.IsNullOrEmpty(node.GetProperty("rule_set_version").GetString()));
            Assert.Equal(JsonValueKind.Null, node.GetProperty("rejected").ValueKind);
            Assert.True(node.GetProperty("total_requests").GetInt64() >= 0);
        });
    }

    [Fact]
    public async Task The_CLI_prints_the_leader_and_one_line_per_member_with_its_rule_set()
    {
        var first = Cluster.Nodes[0];
        var hash = (await TestCluster.OwnStatusAsync(first)).RuleSetHash;
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        await Until.TrueAsync(async () => (await TestCluster.FleetAsync(first)).Members.All(m => m.Node?.RuleSetVersion is not null),
            "both reports, each with its version, on node 1");

        var exit = await AdminCommands.ClusterStatusAsync(new AdminTarget(first.AdminUri, null), stdout, stderr);

        Assert.Equal(0, exit);
        Assert.Empty(stderr.ToString());
        var lines = stdout.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"self:   {AkkaCluster.Get(first.Node.System).SelfAddress}", lines[0]);
        Assert.StartsWith("leader: akka.tcp://outcall@127.0.0.1:", lines[1]);
        Assert.Matches("^ADDRESS +STATUS +ROLES +RULES +HASH +FROM +VERSION +REQUESTS +BLOCKED$", lines[2]);
        var rows = lines[3..];
        Assert.Equal(2, rows.Length);
        Assert.All(rows, row => Assert.Matches($@"^akka\.tcp://outcall@127\.0\.0\.1:\d+ +up +egress +1 +{hash[..12]} +(local files|replicated) +\S+@akka\.tcp://\S+ +\d+ +\d+$", row));
    }

    /// <summary>The drain task runs in service-requests-done; a phase runs after every phase it depends on, transitively.</summary>
    [Fact]
    public void Leaving_the_cluster_comes_after_the_proxy_drain()
    {
        var phases = Cluster.Nodes[0].Node.System.Settings.Config.GetConfig("akka.coordinated-shutdown.phases");

        Assert.Contains(CoordinatedShutdown.PhaseServiceRequestsDone, RunsAfter(phases, CoordinatedShutdown.PhaseClusterLeave));
    }

    private static HashSet<string> RunsAfter(Akka.Configuration.Config phases, string phase)
    {
        var before = new HashSet<string>();
        var pending = new Stack<string>([phase]);
        while (pending.TryPop(out var next))
            foreach (var dependency in phases.GetStringList($"{next}.depends-on", []))
                if (before.Add(dependency)) pending.Push(dependency);
        return before;
    }
}
