using System.CommandLine;
using Outcall.Proxy;

namespace Outcall.Host.Cli;

/// <summary>`outcall env [--proxy-url URL] [--config FILE]`: the container variables (FR-016), for the configured listen address by default.</summary>
public sealed record EnvCommand(string? ProxyUrl, string? ConfigFile) : CliCommand
{
    private static readonly Option<string> ProxyUrlOption = CliOptions.Checked(
        CliOptions.Value("--proxy-url", "URL", "proxy URL as the containers reach it, http://ADDR:PORT (default: outcall.proxy.listen)"),
        value => ContainerEnvironment.ValidateUrl(value));

    internal static Command Define() =>
        Verb.Command("env", "Print the proxy variables for an agent container (FR-016)", Bind, ProxyUrlOption);

    private static CliCommand Bind(ParseResult result) => new EnvCommand(result.GetValue(ProxyUrlOption), result.GetValue(CliOptions.Config));

    public override Task<int> RunAsync(TextWriter stdout, TextWriter stderr)
    {
        var url = ProxyUrl is not null
            ? ContainerEnvironment.ValidateUrl(ProxyUrl)
            : $"http://{ProxySettings.Create(ConfigLayers.Load(ConfigFile)).Listen}";
        foreach (var (name, value) in ContainerEnvironment.For(url)) stdout.WriteLine($"{name}={value}");
        return Task.FromResult(0);
    }
}
