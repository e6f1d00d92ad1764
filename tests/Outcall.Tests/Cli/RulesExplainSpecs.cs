using System.Text.Json;
using Outcall.Tests.Rules;

namespace Outcall.Tests.Cli;

/// <summary>`outcall rules explain` (issue 15), run as the real executable over the rule set of <see cref="RuleTraceSpecs"/>: an event's explanation for a context without traffic.</summary>
public sealed class RulesExplainSpecs : IDisposable
{
    private readonly RuleDirectory _directory = new();

    public RulesExplainSpecs() => _directory.With("rules.yaml", RuleTraceSpecs.Rules);

    public void Dispose() => _directory.Dispose();

    private Task<(int Exit, string Out, string Err)> ExplainAsync(params string[] args) =>
        OutcallProcess.RunAsync(_directory.Path, ["rules", "explain", "--rules-dir", _directory.Path, .. args]);

    [Fact]
    public async Task A_rule_block_names_its_rule_and_why_each_rule_before_it_did_not_decide()
    {
        var (exit, stdout, stderr) = await ExplainAsync("--context", """{"network":{"hostname":"x.evil.test","port":80},"http":{"headers":{"x-team":"blue"}}}""");

        Assert.Equal((0, ""), (exit, stderr));
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("Blocked by rule block-evil (rules.yaml:15).", lines[0]);
        Assert.Equal("rule:      block-evil (rules.yaml:15), block", lines[1]);
        Assert.Equal("considered:", lines[3]);
        Assert.Equal(["allow-api rules.yaml:3 allow skipped-by-index", "team-header rules.yaml:7 allow condition-false",
            "port-8443 rules.yaml:11 allow skipped-by-index", "block-evil rules.yaml:15 block decided"],
            lines[4..].Select(line => string.Join(' ', line.Split(' ', StringSplitOptions.RemoveEmptyEntries))));
    }

    [Fact]
    public async Task A_default_policy_block_in_json_has_the_event_explanation_shape_with_the_runtime_error_message()
    {
        var (exit, stdout, _) = await ExplainAsync("--json", "--context", """{"network":{"hostname":"nothing.test","port":443}}""");

        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.StartsWith("Blocked by the default policy: no rule matched (", root.GetProperty("summary").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("deciding_rule").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("address_class").ValueKind);
        var steps = root.GetProperty("considered").EnumerateArray().ToDictionary(s => s.GetProperty("rule_id").GetString()!);
        Assert.Equal("runtime-error", steps["team-header"].GetProperty("outcome").GetString());
        Assert.StartsWith("condition could not be evaluated: no such key", steps["team-header"].GetProperty("message").GetString());
        Assert.Equal(("skipped-by-index", "skipped-by-index"),
            (steps["port-8443"].GetProperty("outcome").GetString(), steps["allow-api"].GetProperty("outcome").GetString()));
        Assert.Equal(4, steps.Count);
    }

    [Fact]
    public async Task An_allow_names_the_deciding_rule_and_its_condition()
    {
        var (exit, stdout, _) = await ExplainAsync("--context", """{"network":{"hostname":"api.test","port":443}}""");

        Assert.Equal(0, exit);
        Assert.Equal(["Allowed by rule allow-api (rules.yaml:3).", "rule:      allow-api (rules.yaml:3), allow",
            "condition: network.hostname == \"api.test\""], stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task A_wrong_context_exits_1_and_a_missing_one_exits_2()
    {
        var (wrong, _, wrongErr) = await ExplainAsync("--context", """{"network":3}""");
        var (missing, _, missingErr) = await ExplainAsync();

        Assert.Equal((1, 2), (wrong, missing));
        Assert.Contains("error: context namespace 'network' must be an object", wrongErr);
        Assert.Contains("outcall: --context is required", missingErr);
    }

    [Fact]
    public async Task Rules_that_do_not_load_exit_1_with_their_errors()
    {
        _directory.With("broken.yaml", "version: \"1\"\nrules:\n  - id: x\n    condition: 'nope('\n    action: allow\n");

        var (exit, stdout, stderr) = await ExplainAsync("--context", "{}");

        Assert.Equal((1, ""), (exit, stdout));
        Assert.Contains("error: broken.yaml:", stderr);
    }
}
