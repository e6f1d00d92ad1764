using Outcall.Rules;

namespace Outcall.Tests.Rules;

/// <summary>S003 ordering (priority, then file name, then position; first match wins) and evaluation through loaded rules.</summary>
public sealed class RuleOrderingSpecs : IDisposable
{
    private readonly RuleDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private static string Rule(string id, string action, string condition = "true", int? priority = null) =>
        $"  - id: {id}\n    condition: '{condition}'\n    action: {action}\n" + (priority is null ? "" : $"    priority: {priority}\n");

    private static string File(params string[] rules) => "version: \"1\"\nrules:\n" + string.Concat(rules);

    [Fact]
    public void Rules_run_by_priority_then_file_name_then_position()
    {
        var set = _directory
            .With("20-b.yaml", File(Rule("b1", "allow"), Rule("b0", "block", priority: 10), Rule("b2", "allow")))
            .With("10-a.yaml", File(Rule("a1", "block"), Rule("a2", "allow", priority: 100), Rule("a-last", "allow", priority: 500)))
            .LoadValid();

        Assert.Equal(["b0", "a1", "a2", "b1", "b2", "a-last"], set.Rules.Select(r => r.Id));
    }

    [Fact]
    public void File_names_sort_ordinally()
    {
        var set = _directory.With("b.yaml", File(Rule("lower", "allow"))).With("B.yaml", File(Rule("upper", "allow"))).LoadValid();

        Assert.Equal(["upper", "lower"], set.Rules.Select(r => r.Id));
    }

    [Fact]
    public void A_lower_priority_number_in_a_later_file_wins()
    {
        var set = _directory
            .With("00-allow.yaml", File(Rule("allow-all", "allow")))
            .With("99-block.yaml", File(Rule("block-example", "block", "network.hostname == \"example.com\"", priority: 1)))
            .LoadValid();

        Assert.Equal("block-example", set.Evaluate(Requests.To("example.com")).Verdict.RuleId);
        Assert.Equal("allow-all", set.Evaluate(Requests.To("other.com")).Verdict.RuleId);
    }

    [Fact]
    public void The_first_match_wins_and_no_match_is_a_default_block_FR_008()
    {
        var set = _directory.With("a.yaml", File(
            Rule("allow-gh-get", "allow", "network.hostname == \"github.com\" && http.method == \"GET\""),
            Rule("block-gh", "block", "network.hostname == \"github.com\""))).LoadValid();

        Assert.Equal(new Verdict(RuleAction.Allow, "allow-gh-get", "a.yaml", "rule allow-gh-get", false, false), set.Evaluate(Requests.To("github.com")).Verdict);
        Assert.Equal("rule block-gh", set.Evaluate(Requests.To("github.com", method: "POST")).Verdict.Reason);
        Assert.Equal("default policy: no rule matched", set.Evaluate(Requests.To("gitlab.com")).Verdict.Reason);
    }

    [Theory]
    [InlineData("dns.query == \"\"", true)]
    [InlineData("docker.image.startsWith(\"python\")", false)]
    [InlineData("size(docker.labels) == 0", true)]
    [InlineData("agent.name == \"\" && run.id == \"\"", true)]
    [InlineData("\"com.example\" in docker.labels", false)]
    public void A_namespace_the_request_lacks_has_zero_values(string condition, bool matches)
    {
        var set = _directory.With("a.yaml", File(Rule("r", "allow", condition))).LoadValid();

        Assert.Equal(matches, set.Evaluate(Requests.To("example.com")).Verdict.IsAllowed);
    }

    [Fact]
    public void A_runtime_error_is_a_non_match_and_the_next_rule_decides()
    {
        var set = _directory.With("a.yaml", File(
            Rule("needs-token", "allow", "http.headers[\"x-token\"] == \"abc\""),
            Rule("fallback", "block", "true"))).LoadValid();

        var evaluation = set.Evaluate(Requests.To("example.com"));

        Assert.Equal("fallback", evaluation.Verdict.RuleId);
        Assert.Equal(("needs-token", "a.yaml"), (evaluation.Warnings[0].RuleId, evaluation.Warnings[0].File));
    }

    [Fact]
    public void Header_conditions_see_lowercased_names()
    {
        var set = _directory.With("a.yaml", File(Rule("npm", "allow", "has(http.headers.authorization) && http.headers[\"user-agent\"].startsWith(\"npm/\")"))).LoadValid();
        var headers = new Dictionary<string, string> { ["authorization"] = "Bearer x", ["user-agent"] = "npm/10.2" };

        Assert.True(set.Evaluate(Requests.To("registry.npmjs.org", headers: headers)).Verdict.IsAllowed);
    }

    [Fact]
    public void A_condition_that_is_not_boolean_is_a_load_error()
    {
        var error = Assert.Single(_directory.With("a.yaml", File(Rule("r", "allow", "network.hostname"))).Load().Errors);

        Assert.Equal(("a.yaml", 4, "r"), (error.File, error.Line, error.RuleId));
        Assert.Contains("must be boolean", error.Message);
    }

    [Fact]
    public void A_cel_syntax_error_is_located_in_the_file()
    {
        var error = Assert.Single(_directory.With("a.yaml", File(Rule("r", "allow", "network.port == == 1"))).Load().Errors);

        Assert.Equal(("a.yaml", 4, "r"), (error.File, error.Line, error.RuleId));
        Assert.Equal(33, error.Column); // the second "==", as CEL reports it, shifted to the file
        Assert.StartsWith("CEL error: ", error.Message);
    }

    [Fact]
    public void A_cel_error_in_a_literal_block_is_located_on_its_own_line()
    {
        var error = Assert.Single(_directory.With("a.yaml", """
            version: "1"
            rules:
              - id: multi
                condition: |
                  network.hostname == "a" &&
                  network.port.startsWith("x")
                action: allow
            """).Load().Errors);

        Assert.Equal(("a.yaml", 6, "multi"), (error.File, error.Line, error.RuleId));
        Assert.InRange(error.Column, 7, 37);
    }

    [Fact]
    public void A_cel_type_error_is_a_load_error()
    {
        var error = Assert.Single(_directory.With("a.yaml", File(Rule("r", "allow", "network.hostname.startsWith(443)"))).Load().Errors);

        Assert.Equal("r", error.RuleId);
    }
}
