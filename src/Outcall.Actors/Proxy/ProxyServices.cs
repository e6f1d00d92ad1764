using Akka.Actor;
using Outcall.Egress;
using Outcall.Telemetry;
using Outcall.Upstream;

namespace Outcall.Proxy;

/// <summary>What every connection actor needs from the node: settings, the rule engine, the guard, identities, metrics, the upstream pool.</summary>
public sealed record ProxyServices(
    ProxySettings Settings,
    IActorRef RuleEngine,
    TimeSpan AskTimeout,
    DestinationGuard Guard,
    AgentDirectory Agents,
    ProxyMetrics Metrics,
    UpstreamPool Pool);
