using Akka.Configuration;

namespace Outcall.Upstream;

/// <summary>The `outcall.proxy.upstream-pool` section.</summary>
public sealed record UpstreamPoolSettings(bool Enabled, int MaxIdlePerDestination, int MaxIdleTotal, TimeSpan IdleTimeout)
{
    public static UpstreamPoolSettings Create(Config config)
    {
        var section = OutcallConfig.WithDefaults(config).GetConfig("outcall.proxy.upstream-pool");
        return new UpstreamPoolSettings(
            section.GetBoolean("enabled"),
            OutcallConfig.PositiveInt(section, "max-idle-per-destination"),
            OutcallConfig.PositiveInt(section, "max-idle-total"),
            OutcallConfig.PositiveDuration(section, "idle-timeout"));
    }
}
