using Outcall.Events;
using Outcall.Rules;

namespace Outcall.Tests.Rules;

/// <summary>Explained verdicts (issue 15): a trace gives the verdict the evaluation gives, and says why each rule did not decide.</summary>
public sealed class RuleTraceSpecs : IDisposable
{
    internal const string Rules = """
        version: "1"
        rules:
          - id: allow-api
            condition: network.hostname == "api.test"
            action: allow
            priority: 10
          - id: team-header
            condition: http.headers["x-team"] == "red"
            action: allow
            priority: 15
          - id: port-8443
            condition: network.port == 8443
            action: allow
            priority: 20
          - id: block-evil
            condition: network.hostname.endsWith(".evil.test")
            action: block
            priority: 30
        """;

    private readonly RuleDirectory _directory = new();
    private readonly RuleSet _set;

    public RuleTraceSpecs() => _set = _directory.With("rules.yaml", Rules).LoadValid();

    public void Dispose() => _directory.Dispose();

    private static (string, RuleOutcome)[] Outcomes(RuleTrace trace) => trace.Steps.Select(s => (s.RuleId, s.Outcome)).ToArray();

    [Fact]
    public void A_rule_block_lists_the_rules_before_it_with_why_each_did_not_decide()
    {
        var trace = _set.Trace(Requests.To("x.evil.test", headers: new Dictionary<string, string> { ["x-team"] = "blue" }));
        Assert.Equal(_set.Evaluate(Requests.To("x.evil.test")).Verdict, trace.Verdict);
        Assert.Equal([("allow-api", RuleOutcome.SkippedByIndex), ("team-header", RuleOutcome.ConditionFalse),
            ("port-8443", RuleOutcome.SkippedByIndex), ("block-evil", RuleOutcome.Decided)], Outcomes(trace));
        Assert.Equal("block-evil", trace.Decider?.Id);
    }

    [Fact]
    public void A_runtime_error_is_a_non_match_with_its_message_and_no_value()
    {
        var trace = _set.Trace(Requests.To("nothing.test", headers: new Dictionary<string, string> { ["authorization"] = "Bearer s3cret" }));
        var step = trace.Steps.Single(s => s.RuleId == "team-header");
        Assert.Equal(RuleOutcome.RuntimeError, step.Outcome);
        Assert.StartsWith("condition could not be evaluated: no such key", step.Message);
        Assert.DoesNotContain("s3cret", step.Message);
    }

    [Fact]
    public void A_default_policy_block_lists_every_rule_those_the_index_skipped_included()
    {
        var trace = _set.Trace(Requests.To("nothing.test"));
        Assert.Null(trace.Decider);
        Assert.Equal(RuleAction.Block, trace.Verdict.Decision);
        Assert.Equal([("allow-api", RuleOutcome.SkippedByIndex), ("team-header", RuleOutcome.RuntimeError),
            ("port-8443", RuleOutcome.SkippedByIndex), ("block-evil", RuleOutcome.SkippedByIndex)], Outcomes(trace));
    }

    [Fact]
    public void A_rule_the_port_index_offers_is_evaluated()
    {
        var trace = _set.Trace(Requests.To("nothing.test", port: 8443, headers: new Dictionary<string, string> { ["x-team"] = "blue" }));
        Assert.Equal("port-8443", trace.Decider?.Id);
        Assert.Equal(RuleAction.Allow, trace.Verdict.Decision);
    }

    [Fact]
    public void The_evaluation_names_the_set_that_decided_so_the_trace_runs_against_that_very_set()
    {
        Assert.Same(_set, _set.Evaluate(Requests.To("api.test")).DecidedBy);
        Assert.Same(_set, _set.Evaluate(Requests.To("nothing.test")).DecidedBy);
    }

    [Fact]
    public void The_explanation_of_a_context_names_the_deciding_rule_and_where_it_is_written()
    {
        var explanation = VerdictExplainer.Explain(_set.Trace(Requests.To("api.test")));
        Assert.Equal("Allowed by rule allow-api (rules.yaml:3).", explanation.Summary);
        Assert.Equal(("allow-api", 3), (explanation.DecidingRule?.Id, explanation.DecidingRule?.Line));
    }

    [Fact]
    public void The_explanation_of_a_default_policy_block_counts_what_was_considered()
    {
        var explanation = VerdictExplainer.Explain(_set.Trace(Requests.To("nothing.test")));
        Assert.Equal("Blocked by the default policy: no rule matched (1 evaluated, 1 with runtime errors, 3 skipped by the hostname index).",
            explanation.Summary);
        Assert.Equal(4, explanation.Considered.Count);
    }
}
