using Akka.Configuration;
using Outcall.Host.Admin;
using Outcall.Host.Cli;
using Outcall.Proxy;
using Outcall.Rules;

namespace Outcall.Host;

public static class Program
{
    public const string DefaultConfigFile = "hocon/outcall.conf";

    public static async Task<int> Main(string[] args)
    {
        try
        {
            switch (CommandLine.Parse(args))
            {
                case HelpCommand:
                    Console.Out.WriteLine(CommandLine.Usage);
                    return 0;
                case EnvCommand env:
                    return PrintEnvironment(env);
                case RulesCliCommand rules:
                    var rulesDir = RulesSettings.Create(LoadConfig(rules.ConfigFile, null, null)).Directory;
                    return RulesCommand.Run(rules.Arguments, rulesDir, Console.Out, Console.Error);
                case ProxyStatusCommand status:
                    return await AdminCommands.ProxyStatusAsync(AdminUri(status.AdminUrl, status.ConfigFile), Console.Out, Console.Error)
                        .ConfigureAwait(false);
                case RulesReloadCommand reload:
                    return await AdminCommands.RulesReloadAsync(AdminUri(reload.AdminUrl, reload.ConfigFile), Console.Out, Console.Error)
                        .ConfigureAwait(false);
                case ClusterStatusCommand cluster:
                    return await AdminCommands.ClusterStatusAsync(AdminUri(cluster.AdminUrl, cluster.ConfigFile), Console.Out, Console.Error)
                        .ConfigureAwait(false);
                case RunCommand run:
                    return await RunAsync(run).ConfigureAwait(false);
            }
            return 2;
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"outcall: {e.Message}");
            return 2;
        }
        catch (StartupException e)
        {
            Console.Error.WriteLine($"outcall: {e.Message}");
            return 1;
        }
    }

    private static async Task<int> RunAsync(RunCommand run)
    {
        var config = LoadConfig(run.ConfigFile, run.Listen, run.RulesDir);
        await using var node = await OutcallNode.StartAsync(config, handleHangup: true).ConfigureAwait(false);
        await node.WaitForShutdownAsync().ConfigureAwait(false);
        return 0;
    }

    private static Uri AdminUri(string? adminFlag, string? configFile) =>
        adminFlag is not null
            ? AdminCommands.ParseAdminUrl(adminFlag)
            : AdminCommands.BaseUri(AdminSettings.Create(LoadConfig(configFile, null, null)));

    private static int PrintEnvironment(EnvCommand env)
    {
        string url;
        if (env.ProxyUrl is not null) url = ContainerEnvironment.ValidateUrl(env.ProxyUrl);
        else
        {
            var listen = ProxySettings.Create(LoadConfig(env.ConfigFile, null, null)).Listen;
            url = $"http://{listen}";
        }
        foreach (var (name, value) in ContainerEnvironment.For(url)) Console.Out.WriteLine($"{name}={value}");
        return 0;
    }

    /// <summary>Embedded defaults, under hocon/outcall.conf or --config FILE, under the flags.</summary>
    public static Config LoadConfig(string? configFile, string? listen, string? rulesDir)
    {
        var config = Config.Empty;
        var file = configFile ?? (File.Exists(DefaultConfigFile) ? DefaultConfigFile : null);
        if (configFile is not null && !File.Exists(configFile)) throw new UsageException($"config file '{configFile}' not found");
        if (file is not null)
        {
            try
            {
                config = ConfigurationFactory.ParseString(File.ReadAllText(file));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new StartupException($"config error in {file}: {e.Message}");
            }
        }
        if (listen is not null)
        {
            try
            {
                ProxySettings.ParseEndpoint(listen, "--listen");
            }
            catch (ConfigurationException e)
            {
                throw new UsageException(e.Message);
            }
            config = ConfigurationFactory.ParseString($"outcall.proxy.listen = {Quote(listen)}").WithFallback(config);
        }
        if (rulesDir is not null) config = ConfigurationFactory.ParseString($"outcall.rules.dir = {Quote(rulesDir)}").WithFallback(config);
        try
        {
            var merged = OutcallConfig.OverDefaults(config);
            _ = NodeSettings.Create(merged);
            return merged;
        }
        catch (Exception e) when (e is ConfigurationException or FormatException)
        {
            throw new StartupException($"config error{(file is null ? "" : $" in {file}")}: {e.Message}");
        }
    }

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
