using System.Runtime.Versioning;
using System.Text.Json;
using Outcall.Tests.Intercept;

namespace Outcall.Tests.Cluster;

/// <summary>
/// Issue 14 / S011-FR-003 in a cluster: a replicated set is judged with the node's own rule-load options, so an
/// intercept rule is adopted by nodes that have a CA, as their own files would be.
/// </summary>
[Collection(ClusterCollection.Name)]
[UnsupportedOSPlatform("windows")]
public sealed class ClusterInterceptSpecs : IDisposable
{
    private readonly CaDirectory _ca = new CaDirectory().WithNewCa();

    public void Dispose() => _ca.Dispose();

    private const string Intercepting = """
        version: "1"
        rules:
          - id: github
            condition: network.hostname == "github.com"
            action: allow
            egress:
              mode: intercept
        """;

    [Fact]
    public async Task A_set_with_an_intercept_rule_replicated_between_two_nodes_with_a_CA_is_adopted_by_both()
    {
        await using var cluster = await TestCluster.StartAsync(2, TestCluster.Blocking, $"""
            outcall.intercept.ca-cert = {JsonSerializer.Serialize(_ca.CertificatePath)}
            outcall.intercept.ca-key = {JsonSerializer.Serialize(_ca.KeyPath)}
            """);

        var reload = await TestCluster.ReloadAsync(cluster.Nodes[0], Intercepting);
        Assert.True(reload.Succeeded);

        await Until.TrueAsync(async () => (await TestCluster.OwnStatusAsync(cluster.Nodes[1])).RuleSetHash == reload.Active.ContentHash,
            "the second node to run the intercepting set", TimeSpan.FromSeconds(30));
        foreach (var node in cluster.Nodes)
        {
            var status = await TestCluster.OwnStatusAsync(node);
            Assert.Equal(reload.Active.ContentHash, status.RuleSetHash);
            Assert.Null(status.Rejected);
        }
        Assert.Equal("replicated", (await TestCluster.OwnStatusAsync(cluster.Nodes[1])).RulesFrom);
    }
}
