using System.Net;
using Akka.Actor;
using Outcall.Host.Cli;
using Outcall.Tests.Admin;
using Outcall.Tests.Proxy;

namespace Outcall.Tests.Cluster;

/// <summary>With outcall.cluster.enabled = off (the default) a node is the single-node proxy and nothing more.</summary>
public sealed class ClusterOffSpecs
{
    [Fact]
    public async Task A_node_with_clustering_off_runs_no_remoting_and_has_no_cluster_endpoint()
    {
        await using var proxy = await ProxyHarness.StartAsync(extraHocon: ProxyHarness.WithAdmin);
        using var admin = new AdminHttp(proxy.AdminUri);

        var (status, body) = await admin.GetJsonAsync("api/v1/cluster");

        Assert.IsType<LocalActorRefProvider>(((ExtendedActorSystem)proxy.Node.System).Provider);
        Assert.Null(proxy.Node.ClusterRules);
        Assert.Equal(HttpStatusCode.NotFound, status);
        AdminHttp.Envelope(body, success: false);
    }

    [Fact]
    public void Cluster_status_parses_its_admin_and_config_flags()
    {
        Assert.Equal(new ClusterStatusCommand("http://127.0.0.1:1", "x.conf"),
            CommandLine.Parse(["cluster", "status", "--admin", "http://127.0.0.1:1", "--config=x.conf"]));
        Assert.Equal(new ClusterStatusCommand(null, null), CommandLine.Parse(["cluster", "status"]));
    }

    [Theory]
    [InlineData("cluster")]
    [InlineData("cluster", "members")]
    [InlineData("cluster", "status", "--rules-dir", "x")]
    public void Cluster_without_a_known_subcommand_or_with_a_foreign_flag_is_a_usage_error(params string[] args) =>
        Assert.Throws<UsageException>(() => CommandLine.Parse(args));
}
