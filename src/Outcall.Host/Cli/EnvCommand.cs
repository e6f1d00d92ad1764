using System.CommandLine;
using Outcall.Proxy;

namespace Outcall.Host.Cli;

/// <summary>
/// `outcall env [--proxy-url URL] [--agent NAME] [--config FILE]`: the container variables (FR-016), for the configured
/// listen address by default; with `--agent`, the proxy URLs carry that agent's credentials (FR-014).
/// </summary>
public sealed record EnvCommand(string? ProxyUrl, string? Agent, string? ConfigFile) : CliCommand
{
    private static readonly Option<string> ProxyUrlOption = CliOptions.Checked(
        CliOptions.Value("--proxy-url", "URL", "proxy URL as the containers reach it, http://ADDR:PORT (default: outcall.proxy.listen)"),
        value => ContainerEnvironment.ValidateUrl(value));

    private static readonly Option<string> AgentOption =
        CliOptions.Value("--agent", "NAME", "put this agent's proxy credentials (outcall.identity.tokens) into the URLs");

    internal static Command Define() =>
        Verb.Command("env", "Print the proxy variables for an agent container (FR-016)", Bind, ProxyUrlOption, AgentOption);

    private static CliCommand Bind(ParseResult result) =>
        new EnvCommand(result.GetValue(ProxyUrlOption), result.GetValue(AgentOption), result.GetValue(CliOptions.Config));

    public override Task<int> RunAsync(TextWriter stdout, TextWriter stderr)
    {
        var config = ProxyUrl is null || Agent is not null ? ConfigLayers.Load(ConfigFile) : null;
        var url = ProxyUrl is not null ? ContainerEnvironment.ValidateUrl(ProxyUrl) : $"http://{ProxySettings.Create(config!).Listen}";
        if (Agent is not null)
        {
            if (!ProxyCredentialUrl.TryBuild(url, AgentDirectory.Create(config!), Agent, out var credentialled, out var problem))
            {
                stderr.WriteLine($"outcall: {problem}");
                return Task.FromResult(1);
            }
            url = credentialled;
        }
        foreach (var (name, value) in ContainerEnvironment.For(url)) stdout.WriteLine($"{name}={value}");
        return Task.FromResult(0);
    }
}
