using Akka.Configuration;
using Outcall.Intercept;

namespace Outcall.Host.Cli;

/// <summary>
/// The configuration a command runs with: the flags, over hocon/outcall.conf in the working directory or the
/// --config file, over the embedded defaults. The defaults are not merged in here: every settings
/// <c>Create(Config)</c> adds them underneath, so a missing file leaves the defaults alone (issue 17).
/// </summary>
public static class ConfigLayers
{
    public const string WorkingDirectoryFile = "hocon/outcall.conf";

    /// <param name="configFile">The --config flag; null reads <see cref="WorkingDirectoryFile"/> when there is one.</param>
    /// <param name="flags">Configuration keys set by flags; a null value is a flag not given.</param>
    /// <exception cref="UsageException">The --config file does not exist.</exception>
    /// <exception cref="StartupException">The file or the merged configuration is not valid.</exception>
    public static Config Load(string? configFile, params (string Key, string? Value)[] flags)
    {
        if (configFile is not null && !File.Exists(configFile)) throw new UsageException($"config file '{configFile}' not found");
        var file = configFile ?? (File.Exists(WorkingDirectoryFile) ? WorkingDirectoryFile : null);
        var config = Config.Empty;
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
        foreach (var (key, value) in flags)
        {
            if (value is not null) config = ConfigurationFactory.ParseString($"{key} = {Quote(value)}").WithFallback(config);
        }
        try
        {
            _ = NodeSettings.Create(config);
            _ = InterceptSettings.Create(config);
            return config;
        }
        catch (Exception e) when (e is ConfigurationException or FormatException)
        {
            throw new StartupException($"config error{(file is null ? "" : $" in {file}")}: {e.Message}");
        }
    }

    /// <summary>A JSON string is a HOCON quoted string: any flag value, control characters included, stays one value.</summary>
    private static string Quote(string value) => System.Text.Json.JsonSerializer.Serialize(value);
}
