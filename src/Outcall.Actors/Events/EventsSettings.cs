using Akka.Configuration;

namespace Outcall.Events;

/// <summary>The `outcall.events` section: how many verdict events the node keeps in memory for the admin API and page.</summary>
public sealed record EventsSettings(int Buffer)
{
    public static EventsSettings Create(Config config)
    {
        var section = OutcallConfig.WithDefaults(config).GetConfig("outcall.events");
        return new EventsSettings(OutcallConfig.PositiveInt(section, "buffer"));
    }
}
