using Akka.Actor;
using Outcall.Egress;

namespace Outcall.Proxy;

/// <summary>What every connection actor needs from the node: settings, the rule engine, the guard, counters.</summary>
public sealed record ProxyServices(
    ProxySettings Settings,
    IActorRef RuleEngine,
    TimeSpan AskTimeout,
    DestinationGuard Guard,
    ProxyCounters Counters);
