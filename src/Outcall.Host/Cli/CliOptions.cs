using System.CommandLine;
using Akka.Configuration;
using Outcall.Host.Admin;
using Outcall.Proxy;

namespace Outcall.Host.Cli;

/// <summary>The options more than one command takes. Every option takes one non-empty value, given once.</summary>
internal static class CliOptions
{
    /// <summary>Accepted by every command (recursive from the root).</summary>
    public static readonly Option<string> Config = Value("--config", "FILE",
        $"HOCON configuration file, read instead of {ConfigLayers.WorkingDirectoryFile} in the working directory", recursive: true);

    public static Option<string> RulesDir() => Value("--rules-dir", "DIR", "rules directory (outcall.rules.dir)");

    /// <summary>`--admin URL` of the commands that call a running node's admin API.</summary>
    public static Option<string> AdminUrl() =>
        Checked(Value("--admin", "URL", "admin API of the running node, http://HOST:PORT (default: outcall.admin.listen)"),
            value => AdminCommands.ParseAdminUrl(value));

    /// <summary>An ADDR:PORT flag that stands for a configuration key.</summary>
    public static Option<string> Endpoint(string name, string description, string key) =>
        Checked(Value(name, "ADDR:PORT", $"{description}, IP address and port ({key}; port 0 picks a free one)"), value =>
        {
            try
            {
                ProxySettings.ParseEndpoint(value, name);
            }
            catch (ConfigurationException e)
            {
                throw new UsageException(e.Message);
            }
        });

    public static Option<string> Value(string name, string helpName, string description, bool recursive = false)
    {
        var option = new Option<string>(name) { HelpName = helpName, Description = description, Recursive = recursive };
        option.Validators.Add(result =>
        {
            if (result.Tokens is [{ Value.Length: 0 }]) result.AddError($"{name} needs a non-empty value");
        });
        return option;
    }

    /// <summary>Adds a check of the value that throws <see cref="UsageException"/>; its message becomes the parse error.</summary>
    public static Option<string> Checked(Option<string> option, Action<string> check)
    {
        option.Validators.Add(result =>
        {
            if (result.Tokens is not [{ Value.Length: > 0 } token]) return;
            try
            {
                check(token.Value);
            }
            catch (UsageException e)
            {
                result.AddError(e.Message);
            }
        });
        return option;
    }
}
