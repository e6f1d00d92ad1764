using System.CommandLine;
using Outcall.Host.Admin;

namespace Outcall.Host.Cli;

/// <summary>`outcall proxy status [--admin URL] [--config FILE]`: a running node's state, from its admin API.</summary>
public sealed record ProxyStatusCommand(string? AdminUrl, string? ConfigFile) : CliCommand
{
    public override Task<int> RunAsync(TextWriter stdout, TextWriter stderr) =>
        AdminCommands.ProxyStatusAsync(AdminCommands.BaseUri(AdminUrl, ConfigFile), stdout, stderr);
}

/// <summary>`outcall proxy ...`: commands that ask a running node through its admin API.</summary>
public static class ProxyCommand
{
    internal static Command Define()
    {
        var admin = CliOptions.AdminUrl();
        return new Command("proxy", "Ask a running proxy")
        {
            Verb.Command("status", "Listening address and live counters of the running proxy",
                result => new ProxyStatusCommand(result.GetValue(admin), result.GetValue(CliOptions.Config)), admin),
        };
    }
}
