using Outcall.Rules;

namespace Outcall.Tests.Rules;

/// <summary>S003 definitions: file-scoped `$name` fragments expanded to `(fragment)`, recursively.</summary>
public sealed class DefinitionSpecs : IDisposable
{
    private readonly RuleDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private static string File(string definitions, string condition) => $"""
        version: "1"
        definitions:
        {definitions}
        rules:
          - id: r
            condition: '{condition}'
            action: allow
        """;

    [Fact]
    public void A_reference_expands_to_the_parenthesised_fragment_and_the_original_is_kept()
    {
        var rule = Assert.Single(_directory.With("a.yaml", File("  gh: network.hostname == \"github.com\"", "$gh && network.port == 443")).LoadValid().Rules);

        Assert.Equal("$gh && network.port == 443", rule.Condition);
        Assert.Equal("(network.hostname == \"github.com\") && network.port == 443", rule.ExpandedCondition);
    }

    [Fact]
    public void Definitions_expand_recursively()
    {
        var set = _directory.With("a.yaml", File("  gh: network.hostname == \"github.com\"\n  gh_tls: $gh && $tls\n  tls: network.port == 443", "$gh_tls")).LoadValid();

        var rule = Assert.Single(set.Rules);
        Assert.Equal("((network.hostname == \"github.com\") && (network.port == 443))", rule.ExpandedCondition);
        Assert.Equal("r", set.Evaluate(Requests.To("github.com")).Verdict.RuleId);
        Assert.Null(set.Evaluate(Requests.To("github.com", port: 80)).Verdict.RuleId);
    }

    [Fact]
    public void A_dollar_inside_a_string_literal_is_not_a_reference()
    {
        var rule = Assert.Single(_directory.With("a.yaml", File("  home: http.path == \"/\"", "http.path == \"/$home\" || $home")).LoadValid().Rules);

        Assert.Equal("http.path == \"/$home\" || (http.path == \"/\")", rule.ExpandedCondition);
    }

    [Theory]
    [InlineData("$a", new[] { "a" })]
    [InlineData("$a&&$b_2", new[] { "a", "b_2" })]
    [InlineData("\"$a\" + '$b' + $c", new[] { "c" })]
    [InlineData("\"\\\"$a\" == $b", new[] { "b" })]
    [InlineData("r\"\\\" == $a", new[] { "a" })]
    [InlineData("\"\"\"multi \" $a\n\"\"\" == $b", new[] { "b" })]
    [InlineData("'''x''' == $b // $comment\n&& $c", new[] { "b", "c" })]
    [InlineData("$ 1 + $9", new string[0])]
    [InlineData("\"unterminated $a", new string[0])]
    public void The_reference_scanner_skips_literals_and_comments(string text, string[] names)
    {
        Assert.Equal(names, DefinitionExpander.FindReferences(text).Select(r => r.Name));
    }

    [Fact]
    public void An_undefined_name_in_a_condition_is_an_error_naming_the_rule()
    {
        var error = Assert.Single(_directory.With("a.yaml", File("  gh: 'true'", "$gh && $nope")).Load().Errors);

        Assert.Equal(("a.yaml", 6, "r"), (error.File, error.Line, error.RuleId));
        Assert.Contains("undefined definition '$nope'", error.Message);
    }

    [Fact]
    public void An_undefined_name_in_a_definition_is_an_error_at_that_definition()
    {
        var errors = _directory.With("a.yaml", File("  gh: $missing", "$gh")).Load().Errors;

        Assert.Equal(["a.yaml:3:7: definition '$gh' uses undefined definition '$missing'", "a.yaml:6 rule 'r': condition uses '$gh', whose definition has an error (reported at its line)"],
            errors.Select(e => e.ToString()));
    }

    [Fact]
    public void A_cycle_is_an_error_naming_the_chain()
    {
        var errors = _directory.With("a.yaml", File("  a: $b\n  b: $c || true\n  c: $a", "$a")).Load().Errors;

        Assert.Contains("definition cycle: $a -> $b -> $c -> $a", errors[0].Message);
        Assert.Equal(3, errors[0].Line);
        Assert.Equal(2, errors.Count);
    }

    [Fact]
    public void A_definition_that_refers_to_itself_is_a_cycle()
    {
        Assert.Contains("definition cycle: $a -> $a", _directory.With("a.yaml", File("  a: $a", "true")).Load().Errors[0].Message);
    }

    [Fact]
    public void Definitions_are_scoped_to_their_file()
    {
        _directory.With("a.yaml", File("  gh: 'true'", "$gh"))
            .With("b.yaml", File("  other: 'true'", "$other && $gh").Replace("id: r", "id: s"));

        var error = Assert.Single(_directory.Load().Errors);

        Assert.Equal(("b.yaml", "s"), (error.File, error.RuleId));
    }

    [Fact]
    public void Expansion_that_doubles_at_every_level_is_stopped()
    {
        var definitions = string.Join("\n", Enumerable.Range(0, 30).Select(i => $"  d{i}: $d{i + 1} || $d{i + 1}")) + "\n  d30: 'true'";

        var errors = _directory.With("a.yaml", File(definitions, "$d0")).Load().Errors;

        Assert.Contains(errors, e => e.Message.Contains("longer than"));
    }

    [Fact]
    public void An_unused_definition_is_a_warning()
    {
        var result = _directory.With("a.yaml", File("  used: 'true'\n  via: $used\n  unused: 'false'", "$via")).Load();

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        var warning = Assert.Single(result.Warnings);
        Assert.Equal("a.yaml:5: definition '$unused' is not used by any rule", warning.ToString());
    }

    [Fact]
    public void A_file_with_definitions_but_no_rules_is_a_warning()
    {
        var result = _directory.With("defs.yaml", "version: \"1\"\ndefinitions:\n  a: 'true'\n").Load();

        Assert.True(result.Succeeded);
        Assert.Contains(result.Warnings, w => w.File == "defs.yaml" && w.Message.Contains("definitions but no rules"));
    }

    [Fact]
    public void A_definition_name_must_be_an_identifier()
    {
        Assert.Contains("letters, digits and '_'", Assert.Single(_directory.With("a.yaml", File("  has-dash: 'true'", "true")).Load().Errors).Message);
    }

    [Fact]
    public void A_cel_error_inside_an_expanded_definition_points_at_the_reference()
    {
        var error = Assert.Single(_directory.With("a.yaml", File("  bad: network.port == \"x\" +", "network.port == 1 || $bad")).Load().Errors);

        Assert.Equal(("a.yaml", 6, 38, "r"), (error.File, error.Line, error.Column, error.RuleId));
        Assert.Contains("definitions expanded", error.Message);
    }
}
