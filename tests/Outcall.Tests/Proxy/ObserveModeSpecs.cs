using Akka.Configuration;
using Outcall.Proxy;
using Outcall.Rules;
using Outcall.Telemetry;

namespace Outcall.Tests.Proxy;

/// <summary>
/// Observe mode's decision on the rules' verdict (issue 15), pure: what the rules block is let through for an observed
/// agent, named as the rule that would have blocked it; an unavailable engine is never relaxed (EC-008).
/// </summary>
public sealed class ObserveModeSpecs
{
    private static readonly Verdict RuleBlock = new(RuleAction.Block, "block-evil", "rules.yaml", "rule block-evil", false, AllowPrivateIps: true,
        EgressMode.Intercept);
    private static readonly Verdict DefaultBlock = new(RuleAction.Block, null, null, "default policy: no rule matched", false, false);
    private static readonly Verdict RuleAllow = new(RuleAction.Allow, "allow-api", "rules.yaml", "rule allow-api", false, true);

    private static readonly ObserveMode ObserveAlpha = new(everyAgent: false, new HashSet<string> { "alpha" });
    private static readonly ObserveMode ObserveAll = new(everyAgent: true, new HashSet<string>());

    [Fact]
    public void A_rule_block_for_an_observed_agent_goes_on_as_a_would_block_naming_that_rule()
    {
        var decision = ObserveAlpha.Decide(RuleBlock, engineFailed: false, "alpha");
        Assert.Equal(RulesOutcome.WouldBlock, decision.Outcome);
        Assert.True(decision.Verdict.IsAllowed);
        Assert.True(decision.Verdict.WouldBlock);
        Assert.Equal(("block-evil", "rules.yaml"), (decision.Verdict.RuleId, decision.Verdict.File));
    }

    [Fact]
    public void A_let_through_verdict_never_opens_private_destinations_nor_intercepts()
    {
        var verdict = ObserveAll.Decide(RuleBlock, engineFailed: false, "anyone").Verdict;
        Assert.Equal((false, EgressMode.Proxy), (verdict.AllowPrivateIps, verdict.Mode));
    }

    [Fact]
    public void A_default_policy_block_for_an_observed_agent_is_a_would_block_without_a_rule()
    {
        var decision = ObserveAll.Decide(DefaultBlock, engineFailed: false, "");
        Assert.Equal(RulesOutcome.WouldBlock, decision.Outcome);
        Assert.Null(decision.Verdict.RuleId);
    }

    [Fact]
    public void Another_agent_stays_enforced_with_the_rules_block_reason()
    {
        Assert.Equal(new RulesDecision(RulesOutcome.Block, RuleBlock, BlockReason.Rule), ObserveAlpha.Decide(RuleBlock, false, "beta"));
        Assert.Equal(new RulesDecision(RulesOutcome.Block, DefaultBlock, BlockReason.DefaultPolicy), ObserveAlpha.Decide(DefaultBlock, false, "beta"));
    }

    [Fact]
    public void An_unavailable_engine_blocks_even_in_observe_mode_EC008()
    {
        Assert.Equal(new RulesDecision(RulesOutcome.Block, Verdict.EngineUnavailable, BlockReason.EngineUnavailable),
            ObserveAll.Decide(Verdict.EngineUnavailable, engineFailed: true, "alpha"));
        Assert.Equal(RulesOutcome.Block, ObserveAll.Decide(Verdict.EngineUnavailable, engineFailed: false, "alpha").Outcome);
    }

    [Fact]
    public void An_allow_stays_the_rules_own_verdict()
    {
        Assert.Equal(new RulesDecision(RulesOutcome.Allow, RuleAllow), ObserveAll.Decide(RuleAllow, false, "alpha"));
        Assert.False(ObserveAll.Decide(RuleAllow, false, "alpha").Verdict.WouldBlock);
    }

    [Fact]
    public void Off_by_default_and_built_from_the_rules_mode_and_the_observed_agents()
    {
        var defaults = ConfigurationFactory.Empty;
        Assert.Same(ObserveMode.Off, ObserveMode.Of(RulesSettings.Create(defaults), AgentDirectory.Create(defaults)));
        var global = ObserveMode.Of(RulesSettings.Create(ConfigurationFactory.ParseString("outcall.rules.mode = observe")), AgentDirectory.Create(defaults));
        Assert.True(global.Observes("anyone"));
        var agents = AgentDirectory.Create(ConfigurationFactory.ParseString("""
            outcall.identity.agents { alpha = ["10.0.0.1/32"] }
            outcall.identity.tokens { beta = "t0ken" }
            outcall.identity.observe-agents = [alpha, beta]
            """));
        var perAgent = ObserveMode.Of(RulesSettings.Create(defaults), agents);
        Assert.Equal((true, true, false), (perAgent.Observes("alpha"), perAgent.Observes("beta"), perAgent.Observes("gamma")));
    }

    [Fact]
    public void A_rules_mode_other_than_enforce_or_observe_is_refused_naming_the_key()
    {
        var e = Assert.Throws<ConfigurationException>(() => RulesSettings.Create(ConfigurationFactory.ParseString("outcall.rules.mode = warn")));
        Assert.Contains("outcall.rules.mode", e.Message);
    }

    [Fact]
    public void An_observed_agent_the_identity_section_does_not_define_is_refused_naming_the_key()
    {
        var e = Assert.Throws<ConfigurationException>(() =>
            AgentDirectory.Create(ConfigurationFactory.ParseString("outcall.identity.observe-agents = [bulider]")));
        Assert.Contains("outcall.identity.observe-agents", e.Message);
        Assert.Contains("bulider", e.Message);
    }
}
