using Outcall.Rules;
using Outcall.Telemetry;

namespace Outcall.Proxy;

/// <summary>What the proxy does with the rules' verdict for one request, CONNECT or SNI.</summary>
public enum RulesOutcome
{
    /// <summary>The rules allowed it.</summary>
    Allow,
    /// <summary>Refused, for <see cref="RulesDecision.BlockReason"/>.</summary>
    Block,
    /// <summary>The rules blocked it and observe mode lets it through: carried on with <see cref="RulesDecision.Verdict"/>, audited WOULD_BLOCK.</summary>
    WouldBlock,
}

/// <param name="Verdict">What the request goes on with: the rules' verdict, or for a would-block the let-through one.</param>
public readonly record struct RulesDecision(RulesOutcome Outcome, Verdict Verdict, BlockReason BlockReason = default);

/// <summary>
/// Observe mode (issue 15), globally (`outcall.rules.mode = observe`) or per agent (`outcall.identity.observe-agents`):
/// a request the rules block, by a rule or by the default policy, is let through and recorded as WOULD_BLOCK. Only the
/// rules' verdict is relaxed: an engine that did not answer still blocks (EC-008, fail closed), and everything decided
/// outside the rules (malformed requests, 407, unknown agents before the rules; the destination guard after them) never
/// comes here. A let-through verdict never allows private destinations and never intercepts. Pure.
/// </summary>
public sealed class ObserveMode
{
    public static readonly ObserveMode Off = new(false, new HashSet<string>());

    private readonly bool _everyAgent;
    private readonly IReadOnlySet<string> _agents;

    public ObserveMode(bool everyAgent, IReadOnlySet<string> agents)
    {
        _everyAgent = everyAgent;
        _agents = agents;
    }

    public static ObserveMode Of(RulesSettings rules, AgentDirectory agents) =>
        rules.Mode == RulesMode.Observe || agents.ObserveAgents.Count > 0
            ? new ObserveMode(rules.Mode == RulesMode.Observe, agents.ObserveAgents)
            : Off;

    /// <summary>Whether what the rules block for <paramref name="agent"/> is only recorded.</summary>
    public bool Observes(string agent) => _everyAgent || _agents.Contains(agent);

    /// <param name="engineFailed">The ask for the verdict failed or timed out (the verdict is then EC-008's block).</param>
    public RulesDecision Decide(Verdict verdict, bool engineFailed, string agent)
    {
        if (verdict.IsAllowed && !engineFailed) return new RulesDecision(RulesOutcome.Allow, verdict);
        if (engineFailed || ReferenceEquals(verdict, Verdict.EngineUnavailable))
            return new RulesDecision(RulesOutcome.Block, Verdict.EngineUnavailable, BlockReason.EngineUnavailable);
        if (Observes(agent)) return new RulesDecision(RulesOutcome.WouldBlock, LetThrough(verdict));
        return new RulesDecision(RulesOutcome.Block, verdict, verdict.RuleId is null ? BlockReason.DefaultPolicy : BlockReason.Rule);
    }

    /// <summary>The blocking verdict, carried on as an allow that names the rule that would have blocked it.</summary>
    private static Verdict LetThrough(Verdict blocked) =>
        blocked with { Decision = RuleAction.Allow, WouldBlock = true, AllowPrivateIps = false, Mode = EgressMode.Proxy };
}
