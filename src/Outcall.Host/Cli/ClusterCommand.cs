using System.CommandLine;
using Outcall.Host.Admin;

namespace Outcall.Host.Cli;

/// <summary>`outcall cluster status [--admin URL] [--config FILE]`: the cluster's members and their rule sets, from a node's admin API.</summary>
public sealed record ClusterStatusCommand(string? AdminUrl, string? ConfigFile) : CliCommand
{
    public override Task<int> RunAsync(TextWriter stdout, TextWriter stderr) =>
        AdminCommands.ClusterStatusAsync(AdminCommands.Target(AdminUrl, ConfigFile), stdout, stderr);
}

/// <summary>`outcall cluster ...`: commands that ask a running node through its admin API.</summary>
public static class ClusterCommand
{
    internal static Command Define() => new("cluster", "Ask a node of a cluster")
    {
        Verb.AdminClient("status", "Members of the cluster and each node's rule-set version", (admin, config) => new ClusterStatusCommand(admin, config)),
    };
}
