using System.CommandLine;
using Outcall.Host.Admin;

namespace Outcall.Host.Cli;

/// <summary>`outcall proxy status [--admin URL] [--config FILE]`: a running node's state, from its admin API.</summary>
public sealed record ProxyStatusCommand(string? AdminUrl, string? ConfigFile) : CliCommand
{
    public override Task<int> RunAsync(TextWriter stdout, TextWriter stderr) =>
        AdminCommands.ProxyStatusAsync(AdminCommands.Target(AdminUrl, ConfigFile), stdout, stderr);
}

/// <summary>`outcall proxy ...`: commands that ask a running node through its admin API.</summary>
public static class ProxyCommand
{
    internal static Command Define() => new("proxy", "Ask a running proxy")
    {
        Verb.AdminClient("status", "Listening address and live counters of the running proxy", (admin, config) => new ProxyStatusCommand(admin, config)),
    };
}
