using Akka.Configuration;

namespace Outcall;

/// <summary>The embedded defaults every other configuration source overrides.</summary>
public static class OutcallConfig
{
    private static readonly Lazy<Config> Reference = new(() =>
    {
        using var stream = typeof(OutcallConfig).Assembly.GetManifestResourceStream("Outcall.reference.conf")
            ?? throw new InvalidOperationException("embedded reference.conf is missing");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    });

    public static Config Defaults => Reference.Value;

    /// <summary>
    /// <paramref name="config"/> over the defaults. An empty configuration over the defaults is the defaults
    /// object itself, and Akka refuses a config as its own fallback: the defaults are returned as they are.
    /// </summary>
    public static Config WithDefaults(Config config) =>
        ReferenceEquals(config, Defaults) ? config : config.WithFallback(Defaults);

    /// <summary>Reads a HOCON duration or fails naming the key.</summary>
    internal static TimeSpan PositiveDuration(Config config, string key)
    {
        var value = config.GetTimeSpan(key, null, allowInfinite: false);
        if (value <= TimeSpan.Zero) throw new ConfigurationException($"{key} must be a positive duration");
        return value;
    }

    internal static int PositiveInt(Config config, string key)
    {
        var value = config.GetInt(key);
        if (value <= 0) throw new ConfigurationException($"{key} must be a positive integer");
        return value;
    }

    internal static int NonNegativeInt(Config config, string key)
    {
        int value;
        try
        {
            value = config.GetInt(key);
        }
        catch (FormatException)
        {
            throw new ConfigurationException($"{key} must be 0 or a positive integer, got '{config.GetString(key)}'");
        }
        if (value < 0) throw new ConfigurationException($"{key} must be 0 or a positive integer");
        return value;
    }
}
