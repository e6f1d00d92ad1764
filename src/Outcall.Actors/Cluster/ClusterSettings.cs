using Akka.Actor;
using Akka.Configuration;

namespace Outcall.Cluster;

/// <summary>The split brain resolver strategies Outcall offers (see hocon/outcall.conf for when to use which).</summary>
public enum SplitBrainStrategy { KeepMajority, KeepOldest }

/// <summary>The `outcall.cluster` section.</summary>
public sealed record ClusterSettings(
    bool Enabled, string Hostname, int Port, IReadOnlyList<Address> SeedNodes, IReadOnlyList<string> Roles,
    SplitBrainStrategy SplitBrainStrategy, TimeSpan StableAfter, int MaximumFrameSize, int MaxRuleSetBytes,
    TimeSpan WriteTimeout, TimeSpan StatusInterval)
{
    /// <summary>Every node's actor system has this name; seed node addresses must use it.</summary>
    public const string SystemName = "outcall";

    /// <summary>Akka.Remote refuses smaller frames.</summary>
    private const int MinimumFrameSize = 32000;

    public static ClusterSettings Create(Config config)
    {
        var section = OutcallConfig.WithDefaults(config).GetConfig("outcall.cluster");
        var hostname = section.GetString("hostname");
        if (string.IsNullOrWhiteSpace(hostname)) throw new ConfigurationException("outcall.cluster.hostname must not be empty");
        var port = section.GetInt("port");
        if (port is < 0 or > 65535) throw new ConfigurationException("outcall.cluster.port must be 0-65535");

        var seeds = section.GetStringList("seed-nodes").Select(ParseSeed).ToList();
        var roles = section.GetStringList("roles").ToList();
        if (roles.Any(string.IsNullOrWhiteSpace)) throw new ConfigurationException("outcall.cluster.roles must not hold empty names");

        var sbr = section.GetConfig("split-brain-resolver");
        var strategy = sbr.GetString("active-strategy") switch
        {
            "keep-majority" => SplitBrainStrategy.KeepMajority,
            "keep-oldest" => SplitBrainStrategy.KeepOldest,
            _ => throw new ConfigurationException("outcall.cluster.split-brain-resolver.active-strategy must be keep-majority or keep-oldest"),
        };

        var frame = Bytes(section, "maximum-frame-size");
        if (frame < MinimumFrameSize) throw new ConfigurationException($"outcall.cluster.maximum-frame-size must be at least {MinimumFrameSize} bytes");
        var maxRuleSet = Bytes(section, "max-rule-set-bytes");
        if (maxRuleSet <= 0 || maxRuleSet > frame / 2)
            throw new ConfigurationException("outcall.cluster.max-rule-set-bytes must be positive and at most half of maximum-frame-size");

        return new ClusterSettings(
            section.GetBoolean("enabled"), hostname, port, seeds, roles, strategy,
            OutcallConfig.PositiveDuration(sbr, "stable-after"), frame, maxRuleSet,
            OutcallConfig.PositiveDuration(section, "write-timeout"),
            OutcallConfig.PositiveDuration(section, "status-interval"));
    }

    private static Address ParseSeed(string text)
    {
        Address address;
        try
        {
            address = Address.Parse(text);
        }
        catch (Exception e) when (e is UriFormatException or ArgumentException or FormatException)
        {
            throw new ConfigurationException($"outcall.cluster.seed-nodes: '{text}' is not an address like akka.tcp://{SystemName}@HOST:PORT");
        }
        if (address.Protocol != "akka.tcp" || address.System != SystemName || address.Host is null || address.Port is null or <= 0)
            throw new ConfigurationException($"outcall.cluster.seed-nodes: '{text}' is not an address like akka.tcp://{SystemName}@HOST:PORT");
        return address;
    }

    private static int Bytes(Config section, string key)
    {
        var value = section.GetByteSize(key) ?? throw new ConfigurationException($"outcall.cluster.{key} must be a size such as 4MiB");
        if (value > int.MaxValue) throw new ConfigurationException($"outcall.cluster.{key} is too large");
        return (int)value;
    }
}
