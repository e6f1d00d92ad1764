using System.CommandLine;
using Outcall.Intercept;
using Outcall.Proxy;

namespace Outcall.Host.Cli;

/// <summary>
/// `outcall env [--proxy-url URL] [--agent NAME] [--config FILE]`: the container variables (FR-016), for the configured
/// listen address by default; with `--agent`, the proxy URLs carry that agent's credentials (FR-014). With a CA
/// configured, the variables that make agents trust it; then one placeholder per secret (issue 14).
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
        var config = ConfigLayers.Load(ConfigFile);
        var url = ProxyUrl is not null ? ContainerEnvironment.ValidateUrl(ProxyUrl) : $"http://{ProxySettings.Create(config).Listen}";
        if (Agent is not null)
        {
            if (!ProxyCredentialUrl.TryBuild(url, AgentDirectory.Create(config), Agent, out var credentialled, out var problem))
            {
                stderr.WriteLine($"outcall: {problem}");
                return Task.FromResult(1);
            }
            url = credentialled;
        }
        var intercept = InterceptSettings.Create(config);
        var variables = ContainerEnvironment.For(url)
            .Concat(intercept.CaConfigured ? ContainerEnvironment.CaTrust(intercept.CaCert) : [])
            .Concat(ContainerEnvironment.SecretPlaceholders(config));
        foreach (var (name, value) in variables) stdout.WriteLine($"{name}={value}");
        return Task.FromResult(0);
    }
}
