using Akka.Configuration;
using Outcall.Cluster;
using Outcall.Events;
using Outcall.Host.Admin;
using Outcall.Host.Memory;
using Outcall.Host.Telemetry;
using Outcall.Intercept;
using Outcall.Proxy;
using Outcall.Rules;
using Outcall.Upstream;

namespace Outcall.Host;

/// <summary>
/// Every settings section a node runs with, read once. The CLI builds it to reject a bad
/// configuration before anything starts; the node builds it to start.
/// </summary>
public sealed record NodeSettings(
    ProxySettings Proxy,
    RulesSettings Rules,
    LogSettings Log,
    AgentDirectory Agents,
    UpstreamPoolSettings UpstreamPool,
    AdminSettings Admin,
    ClusterSettings Cluster,
    TelemetrySettings Telemetry,
    EventsSettings Events,
    InterceptSettings Intercept,
    MemorySettings Memory)
{
    public static NodeSettings Create(Config config) => new(
        ProxySettings.Create(config),
        RulesSettings.Create(config),
        LogSettings.Create(config),
        AgentDirectory.Create(config),
        UpstreamPoolSettings.Create(config),
        AdminSettings.Create(config),
        ClusterSettings.Create(config),
        TelemetrySettings.Create(config),
        EventsSettings.Create(config),
        InterceptSettings.Create(config),
        MemorySettings.Create(config));
}
