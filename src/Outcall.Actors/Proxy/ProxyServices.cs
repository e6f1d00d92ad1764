using Akka.Actor;
using Outcall.Egress;
using Outcall.Events;
using Outcall.Intercept;
using Outcall.Telemetry;
using Outcall.Tunnels;
using Outcall.Upstream;

namespace Outcall.Proxy;

/// <summary>What every connection actor needs from the node: settings, the rule engine, the guard, identities, metrics, the upstream pool, the
/// tunnel graph and the verdict events, built once with one stream materializer for every tunnel (a materializer or a graph per connection
/// costs memory and set-up time; a tunnel is still torn down with its connection, through its kill switch and sockets).</summary>
public sealed record ProxyServices(
    ProxySettings Settings,
    IActorRef RuleEngine,
    TimeSpan AskTimeout,
    DestinationGuard Guard,
    AgentDirectory Agents,
    ProxyMetrics Metrics,
    UpstreamPool Pool,
    TunnelGraph Tunnels,
    EventJournal? Events = null)
{
    /// <summary>Which agents' rule blocks are only recorded as WOULD_BLOCK (issue 15); off unless configured.</summary>
    public ObserveMode Observe { get; init; } = ObserveMode.Off;

    /// <summary>TLS interception (issue 14); null on a node without a CA, where no tunnel is ever intercepted (S011-FR-022).</summary>
    public InterceptServices? Interception { get; init; }

    /// <summary>The secrets placeholders stand for (issue 14); none by default, and then requests pass unscanned.</summary>
    public SecretsSettings Secrets { get; init; } = SecretsSettings.None;
}
