using Akka.Configuration;
using Outcall.Proxy;

namespace Outcall.Host.Memory;

/// <summary>The `outcall.memory` section. <see cref="IdleTrim"/> is null when the idle trim is off.</summary>
public sealed record MemorySettings(TimeSpan? IdleTrim)
{
    public static MemorySettings Create(Config config)
    {
        var section = OutcallConfig.WithDefaults(config).GetConfig("outcall.memory");
        if (section.GetString("idle-trim") is "off" or "false" or "no") return new MemorySettings(IdleTrim: null);
        var window = section.GetTimeSpan("idle-trim", null, allowInfinite: false);
        if (window <= TimeSpan.Zero) throw new ConfigurationException("outcall.memory.idle-trim must be a positive duration or off");
        return new MemorySettings(window);
    }
}
