namespace Outcall.Host.Cli;

/// <summary>A parse failure: printed as one line, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

public abstract record Command;

/// <summary>`outcall [run] [--config FILE] [--listen ADDR:PORT] [--rules-dir DIR]`.</summary>
public sealed record RunCommand(string? ConfigFile, string? Listen, string? RulesDir) : Command;

/// <summary>`outcall env [--proxy-url URL]` (FR-016).</summary>
public sealed record EnvCommand(string? ProxyUrl, string? ConfigFile) : Command;

/// <summary>`outcall rules ...`: handled by <see cref="RulesCommand"/>.</summary>
public sealed record RulesCliCommand(string[] Arguments, string? ConfigFile) : Command;

/// <summary>`outcall proxy status [--admin URL] [--config FILE]`: a running node's state, from its admin API.</summary>
public sealed record ProxyStatusCommand(string? AdminUrl, string? ConfigFile) : Command;

/// <summary>`outcall rules reload [--admin URL] [--config FILE]`: reload a running node's rules through its admin API.</summary>
public sealed record RulesReloadCommand(string? AdminUrl, string? ConfigFile) : Command;

/// <summary>`outcall cluster status [--admin URL] [--config FILE]`: the cluster's members and their rule sets, from a node's admin API.</summary>
public sealed record ClusterStatusCommand(string? AdminUrl, string? ConfigFile) : Command;

public sealed record HelpCommand : Command;

public static class CommandLine
{
    public const string Usage = """
        usage: outcall [run] [--config FILE] [--listen ADDR:PORT] [--rules-dir DIR]
               outcall env [--proxy-url URL] [--config FILE]
               outcall rules check [--rules-dir DIR]
               outcall rules list [--rules-dir DIR]
               outcall rules test --expr CEL --context JSON
               outcall rules reload [--admin URL] [--config FILE]
               outcall proxy status [--admin URL] [--config FILE]
               outcall cluster status [--admin URL] [--config FILE]
        """;

    public static Command Parse(string[] args)
    {
        if (args.Length > 0 && args[0] is "-h" or "--help" or "help") return new HelpCommand();
        var verb = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "run";
        var rest = verb == "run" && (args.Length == 0 || args[0].StartsWith('-')) ? args : args[1..];
        switch (verb)
        {
            case "run":
                var run = Options(rest, "--config", "--listen", "--rules-dir");
                return new RunCommand(run.GetValueOrDefault("--config"), run.GetValueOrDefault("--listen"), run.GetValueOrDefault("--rules-dir"));
            case "env":
                var env = Options(rest, "--proxy-url", "--config");
                return new EnvCommand(env.GetValueOrDefault("--proxy-url"), env.GetValueOrDefault("--config"));
            case "proxy":
                if (rest.Length == 0 || rest[0] != "status") throw new UsageException("usage: outcall proxy status [--admin URL] [--config FILE]");
                var status = Options(rest[1..], "--admin", "--config");
                return new ProxyStatusCommand(status.GetValueOrDefault("--admin"), status.GetValueOrDefault("--config"));
            case "cluster":
                if (rest.Length == 0 || rest[0] != "status") throw new UsageException("usage: outcall cluster status [--admin URL] [--config FILE]");
                var cluster = Options(rest[1..], "--admin", "--config");
                return new ClusterStatusCommand(cluster.GetValueOrDefault("--admin"), cluster.GetValueOrDefault("--config"));
            case "rules" when rest.Length > 0 && rest[0] == "reload":
                var reload = Options(rest[1..], "--admin", "--config");
                return new RulesReloadCommand(reload.GetValueOrDefault("--admin"), reload.GetValueOrDefault("--config"));
            case "rules":
                // The rules subcommands parse their own flags; --config is ours, to find outcall.rules.dir.
                var configIndex = Array.IndexOf(rest, "--config");
                if (configIndex < 0) return new RulesCliCommand(rest, null);
                if (configIndex + 1 >= rest.Length) throw new UsageException("--config needs a value");
                return new RulesCliCommand([.. rest[..configIndex], .. rest[(configIndex + 2)..]], rest[configIndex + 1]);
            default:
                throw new UsageException($"unknown command '{verb}' (try: run, env, rules, proxy, cluster)");
        }
    }

    private static Dictionary<string, string> Options(string[] args, params string[] allowed)
    {
        var values = new Dictionary<string, string>();
        for (var i = 0; i < args.Length; i++)
        {
            var flag = args[i];
            string? value = null;
            var equals = flag.IndexOf('=');
            if (flag.StartsWith("--") && equals > 0)
            {
                value = flag[(equals + 1)..];
                flag = flag[..equals];
            }
            if (!allowed.Contains(flag)) throw new UsageException($"unknown option '{flag}'");
            if (value is null)
            {
                if (i + 1 >= args.Length || args[i + 1].StartsWith("--")) throw new UsageException($"{flag} needs a value");
                value = args[++i];
            }
            if (value.Length == 0) throw new UsageException($"{flag} needs a non-empty value");
            if (!values.TryAdd(flag, value)) throw new UsageException($"{flag} given twice");
        }
        return values;
    }
}
