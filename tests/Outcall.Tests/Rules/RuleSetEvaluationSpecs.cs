using Outcall.Rules;
using Outcall.Rules.Cel;

namespace Outcall.Tests.Rules;

/// <summary>RuleSet.Evaluate on its own, with stand-in conditions (S003 first-match semantics, IF-004 reasons).</summary>
public sealed class RuleSetEvaluationSpecs
{
    private static readonly CelProgram Always = new FakeProgram(_ => FakeProgram.True);
    private static readonly CelProgram Never = new FakeProgram(_ => FakeProgram.False);

    [Fact]
    public void An_empty_set_blocks_by_the_default_policy()
    {
        var verdict = RuleSet.Empty("x").Evaluate(Requests.To("example.com")).Verdict;

        Assert.Equal(new Verdict(RuleAction.Block, null, null, "default policy: no rule matched", false, false), verdict);
    }

    [Fact]
    public void The_first_matching_rule_decides()
    {
        var set = FakeProgram.Set(
            FakeProgram.Rule("skipped", RuleAction.Block, Never),
            FakeProgram.Rule("first", RuleAction.Allow, Always),
            FakeProgram.Rule("second", RuleAction.Block, Always));

        var verdict = set.Evaluate(Requests.To("example.com")).Verdict;

        Assert.Equal(("first", RuleAction.Allow), (verdict.RuleId, verdict.Decision));
    }

    [Fact]
    public void A_matched_rule_gives_its_id_as_the_reason_with_its_file_and_log_flag()
    {
        var set = FakeProgram.Set(FakeProgram.Rule("deny-all", RuleAction.Block, Always, file: "10-deny.yaml", log: true));

        var evaluation = set.Evaluate(Requests.To("example.com"));

        Assert.Equal(new Verdict(RuleAction.Block, "deny-all", "10-deny.yaml", "rule deny-all", true, false), evaluation.Verdict);
        Assert.Empty(evaluation.Warnings);
    }

    [Fact]
    public void An_allow_rule_carries_its_private_address_opt_in_FR_026()
    {
        var set = FakeProgram.Set(FakeProgram.Rule("internal", RuleAction.Allow, Always, allowPrivateIps: true));

        Assert.True(set.Evaluate(Requests.To("intranet")).Verdict.AllowPrivateIps);
    }

    [Fact]
    public void A_runtime_error_is_a_non_match_with_a_warning_naming_the_rule()
    {
        var set = FakeProgram.Set(
            FakeProgram.Rule("broken", RuleAction.Allow, new FakeProgram(_ => CelResult.Fail("no such key: x-token")), file: "a.yaml"),
            FakeProgram.Rule("fallback", RuleAction.Block, Always));

        var evaluation = set.Evaluate(Requests.To("example.com"));

        Assert.Equal("fallback", evaluation.Verdict.RuleId);
        var warning = Assert.Single(evaluation.Warnings);
        Assert.Equal(("broken", "a.yaml"), (warning.RuleId, warning.File));
        Assert.Contains("no such key: x-token", warning.Message);
    }

    [Fact]
    public void A_non_boolean_result_is_a_non_match_with_a_warning_that_does_not_echo_the_value()
    {
        var set = FakeProgram.Set(FakeProgram.Rule("stringy", RuleAction.Allow, new FakeProgram(_ => CelResult.Of("secret-token"))));

        var evaluation = set.Evaluate(Requests.To("example.com"));

        Assert.Equal("default policy: no rule matched", evaluation.Verdict.Reason);
        var warning = Assert.Single(evaluation.Warnings);
        Assert.Equal("stringy", warning.RuleId);
        Assert.Contains("returned string instead of bool", warning.Message);
        Assert.DoesNotContain("secret-token", warning.Message);
    }

    [Fact]
    public void Warnings_from_every_failed_rule_are_kept_alongside_the_verdict()
    {
        var failing = new FakeProgram(_ => CelResult.Fail("boom"));
        var set = FakeProgram.Set(
            FakeProgram.Rule("a", RuleAction.Allow, failing), FakeProgram.Rule("b", RuleAction.Allow, failing),
            FakeProgram.Rule("c", RuleAction.Allow, Always));

        var evaluation = set.Evaluate(Requests.To("example.com"));

        Assert.Equal("c", evaluation.Verdict.RuleId);
        Assert.Equal(["a", "b"], evaluation.Warnings.Select(w => w.RuleId));
    }

    [Fact]
    public void Evaluating_without_warnings_allocates_nothing()
    {
        var hostname = new HashSet<string> { "api.github.com" };
        var set = FakeProgram.Set(
            FakeProgram.Rule("no", RuleAction.Block, Never),
            FakeProgram.Rule("github", RuleAction.Allow, new FakeProgram(c => c.NetworkHostname == "api.github.com" ? FakeProgram.True : FakeProgram.False, hostname)));
        var matching = Requests.To("api.github.com");
        var unmatched = Requests.To("example.com");
        set.Evaluate(matching);
        set.Evaluate(unmatched);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            set.Evaluate(matching);
            set.Evaluate(unmatched);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Reading_an_int_variable_allocates_nothing()
    {
        var context = Requests.To("example.com", port: 8443);
        context.GetVariable(2);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var port = context.GetVariable(2);
        var bodySize = context.GetVariable(8);

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal((8443L, 0L), ((long)port!, (long)bodySize!));
    }
}
