using FsCheck.Xunit;
using Outcall.Rules;

namespace Outcall.Tests.Rules;

/// <summary>S003 rule file schema: what loads, and the errors (with file, line, column and rule id) for what does not.</summary>
public sealed class RuleFileSchemaSpecs : IDisposable
{
    private readonly RuleDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private const string OneRule = """
        version: "1"
        rules:
          - id: allow-example
            condition: network.hostname == "example.com"
            action: allow
        """;

    [Fact]
    public void A_missing_directory_is_an_empty_set_that_blocks_everything()
    {
        var result = RuleSetLoader.Load(Path.Combine(_directory.Path, "absent"));

        Assert.True(result.Succeeded);
        Assert.Empty(result.RuleSet!.Rules);
        Assert.Equal(RuleAction.Block, result.RuleSet.Evaluate(Requests.To("example.com")).Verdict.Decision);
    }

    [Fact]
    public void An_empty_directory_is_an_empty_set()
    {
        var result = _directory.Load();

        Assert.True(result.Succeeded);
        Assert.Empty(result.RuleSet!.Rules);
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public void A_rules_path_that_is_a_file_is_an_error()
    {
        _directory.With("not-a-dir", "");

        var result = RuleSetLoader.Load(Path.Combine(_directory.Path, "not-a-dir"));

        Assert.False(result.Succeeded);
        Assert.Contains("not a directory", Assert.Single(result.Errors).Message);
    }

    [Fact]
    public void Only_yaml_and_yml_files_are_read()
    {
        _directory.With("a.yaml", OneRule).With("b.yml", OneRule.Replace("allow-example", "second"))
            .With("notes.txt", "not yaml at all: [").With("c.yaml.bak", "garbage: [");

        var result = _directory.Load();

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        Assert.Equal(["a.yaml", "b.yml"], result.Files);
        Assert.Equal(["allow-example", "second"], result.RuleSet!.Rules.Select(r => r.Id));
    }

    [Fact]
    public void A_rule_takes_its_fields_and_defaults_from_the_file()
    {
        var rule = Assert.Single(_directory.With("rules.yaml", OneRule).LoadValid().Rules);

        Assert.Equal(("allow-example", "rules.yaml", 3, RuleAction.Allow), (rule.Id, rule.File, rule.Line, rule.Action));
        Assert.Equal((100, false, (string?)null, false), (rule.Priority, rule.Log, rule.Description, rule.AllowPrivateIps));
        Assert.Equal("network.hostname == \"example.com\"", rule.Condition);
    }

    [Fact]
    public void Every_optional_field_is_read()
    {
        var rule = Assert.Single(_directory.With("rules.yaml", """
            version: "1"
            rules:
              - id: internal
                description: The intranet
                condition: network.hostname == "intranet"
                action: allow
                priority: -5
                log: true
                egress:
                  allow_private_ips: true
            """).LoadValid().Rules);

        Assert.Equal((-5, true, "The intranet", true), (rule.Priority, rule.Log, rule.Description, rule.AllowPrivateIps));
    }

    [Fact]
    public void An_unquoted_version_1_is_accepted_as_serde_does()
    {
        Assert.True(_directory.With("rules.yaml", OneRule.Replace("\"1\"", "1")).Load().Succeeded);
    }

    [Theory]
    [InlineData("\"2\"")]
    [InlineData("1.0")]
    [InlineData("\"v1\"")]
    [InlineData("[1]")]
    [InlineData("")]
    public void Any_other_version_is_rejected(string version)
    {
        var error = SingleError(OneRule.Replace("\"1\"", version));

        Assert.Equal(("rules.yaml", 1), (error.File, error.Line));
        Assert.Contains("version", error.Message);
    }

    [Fact]
    public void A_missing_version_is_an_error()
    {
        Assert.Contains("missing 'version'", SingleError(OneRule.Replace("version: \"1\"\n", "")).Message);
    }

    [Fact]
    public void An_empty_file_is_an_error_because_version_is_required()
    {
        Assert.Contains("version", SingleError("# nothing but a comment\n").Message);
    }

    [Fact]
    public void An_unknown_top_level_key_is_an_error_at_its_position()
    {
        var error = SingleError(OneRule + "\nextra: 1\n");

        Assert.Equal((6, 1, (string?)null), (error.Line, error.Column, error.RuleId));
        Assert.Contains("'extra'", error.Message);
    }

    [Fact]
    public void An_unknown_rule_key_is_an_error_naming_the_rule_and_its_position()
    {
        var error = SingleError(OneRule + "\n    enabled: true\n");

        Assert.Equal(("rules.yaml", 6, 5, "allow-example"), (error.File, error.Line, error.Column, error.RuleId));
        Assert.Contains("'enabled'", error.Message);
        Assert.Equal("rules.yaml:6:5 rule 'allow-example': " + error.Message, error.ToString());
    }

    [Fact]
    public void Enrich_is_rejected_with_a_clear_message()
    {
        var error = SingleError(OneRule.Replace("action: allow", "action: enrich"));

        Assert.Equal((5, "allow-example"), (error.Line, error.RuleId));
        Assert.Contains("'enrich' is not supported", error.Message);
    }

    [Theory]
    [InlineData("deny")]
    [InlineData("Allow")]
    [InlineData("[allow]")]
    public void Any_action_but_allow_or_block_is_rejected(string action)
    {
        Assert.Contains("allow or block", SingleError(OneRule.Replace("action: allow", $"action: {action}")).Message);
    }

    [Fact]
    public void Egress_on_a_block_rule_is_an_error()
    {
        var error = SingleError(OneRule.Replace("action: allow", "action: block\n    egress:\n      allow_private_ips: true"));

        Assert.Equal((7, "allow-example"), (error.Line, error.RuleId));
        Assert.Contains("only allowed on allow rules", error.Message);
    }

    [Fact]
    public void An_unknown_egress_key_is_an_error()
    {
        Assert.Contains("'allow_loopback'", SingleError(OneRule + "\n    egress:\n      allow_loopback: true\n").Message);
    }

    [Theory]
    [InlineData("priority: high")]
    [InlineData("priority: 1.5")]
    [InlineData("priority: \"5\"")]
    [InlineData("priority: 99999999999")]
    [InlineData("log: yes")]
    [InlineData("log: \"true\"")]
    [InlineData("egress:\n      allow_private_ips: 1")]
    [InlineData("egress: true")]
    [InlineData("description: [a, b]")]
    public void A_field_of_the_wrong_type_is_an_error_naming_the_rule(string field)
    {
        var error = SingleError(OneRule + $"\n    {field}\n");

        Assert.Equal("allow-example", error.RuleId);
        Assert.InRange(error.Line, 6, 7);
    }

    [Theory]
    [InlineData("id: allow-example\n    action: allow", 3, "missing 'condition'")]
    [InlineData("id: allow-example\n    condition: 'true'", 3, "missing 'action'")]
    [InlineData("condition: 'true'\n    action: allow", 3, "missing 'id'")]
    [InlineData("id: ''\n    condition: 'true'\n    action: allow", 3, "'id' must be a non-empty string")]
    [InlineData("id: \"two words\"\n    condition: 'true'\n    action: allow", 3, "visible ASCII")]
    [InlineData("id: x\n    condition: '  '\n    action: allow", 4, "non-empty CEL expression")]
    public void A_rule_missing_or_misspelling_a_required_field_is_an_error(string rule, int line, string expected)
    {
        var error = SingleError($"version: \"1\"\nrules:\n  - {rule}\n");

        Assert.Equal(line, error.Line);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Bad_yaml_is_an_error_with_its_position()
    {
        var error = SingleError("version: \"1\"\nrules:\n  - id: x\n    condition: [unclosed\n");

        Assert.Equal("rules.yaml", error.File);
        Assert.True(error.Line >= 4, error.ToString());
        Assert.Contains("invalid YAML", error.Message);
    }

    [Fact]
    public void Rules_that_are_not_a_list_are_an_error()
    {
        Assert.Contains("list of rules", SingleError("version: \"1\"\nrules:\n  id: x\n").Message);
    }

    [Fact]
    public void Yaml_aliases_are_refused_so_one_node_cannot_stand_for_many()
    {
        var error = SingleError("version: \"1\"\nrules:\n  - &r\n    id: a\n    condition: 'true'\n    action: allow\n  - *r\n");

        Assert.Equal(7, error.Line);
        Assert.Contains("aliases", error.Message);
    }

    [Fact]
    public void Deeply_nested_yaml_is_refused_before_it_is_built()
    {
        var deep = new string('[', 10_000) + new string(']', 10_000);

        Assert.Contains("nested", SingleError($"version: \"1\"\nrules: {deep}\n").Message);
    }

    [Fact]
    public void More_than_one_yaml_document_is_an_error()
    {
        Assert.Contains("one YAML document", SingleError(OneRule + "\n---\nversion: \"1\"\n").Message);
    }

    [Fact]
    public void A_byte_order_mark_is_accepted_but_invalid_utf8_is_an_error()
    {
        File.WriteAllBytes(Path.Combine(_directory.Path, "a.yaml"), [0xEF, 0xBB, 0xBF, .. System.Text.Encoding.UTF8.GetBytes(OneRule)]);
        File.WriteAllBytes(Path.Combine(_directory.Path, "b.yaml"), [(byte)'v', 0xFF, 0xFE, (byte)':']);

        var error = Assert.Single(_directory.Load().Errors);

        Assert.Equal(("b.yaml", "file is not valid UTF-8"), (error.File, error.Message));
    }

    [Fact]
    public void A_duplicate_id_across_files_names_both_files()
    {
        _directory.With("10-a.yaml", OneRule).With("20-b.yaml", "# another file\n" + OneRule);

        var error = Assert.Single(_directory.Load().Errors);

        Assert.Equal(("20-b.yaml", 4, "allow-example"), (error.File, error.Line, error.RuleId));
        Assert.Contains("10-a.yaml:3", error.Message);
    }

    [Fact]
    public void A_duplicate_id_within_one_file_is_an_error()
    {
        var error = SingleError(OneRule + "\n" + OneRule[OneRule.IndexOf("  - id", StringComparison.Ordinal)..]);

        Assert.Equal((6, "allow-example"), (error.Line, error.RuleId));
        Assert.Contains("rules.yaml:3", error.Message);
    }

    [Fact]
    public void Every_error_in_every_file_is_reported_in_one_load()
    {
        _directory
            .With("a.yaml", OneRule.Replace("action: allow", "action: enrich") + "\n    colour: red\n")
            .With("b.yaml", "version: \"2\"\nrules:\n  - id: b\n    condition: 'network.port ==='\n    action: allow\n")
            .With("c.yaml", "version: \"1\"\nrules: [\n");

        var result = _directory.Load();

        Assert.False(result.Succeeded);
        Assert.Null(result.RuleSet);
        Assert.Equal(["a.yaml", "a.yaml", "b.yaml", "b.yaml", "c.yaml"], result.Errors.Select(e => e.File));
    }

    [Fact]
    public void The_content_hash_follows_file_names_and_contents()
    {
        var first = _directory.With("a.yaml", OneRule).LoadValid().ContentHash;
        var again = _directory.LoadValid().ContentHash;
        var edited = _directory.With("a.yaml", OneRule + "\n# edited\n").LoadValid().ContentHash;
        File.Move(Path.Combine(_directory.Path, "a.yaml"), Path.Combine(_directory.Path, "b.yaml"));
        var renamed = _directory.LoadValid().ContentHash;

        Assert.Matches("^[0-9a-f]{64}$", first);
        Assert.Equal(first, again);
        Assert.Equal(3, new[] { first, edited, renamed }.Distinct().Count());
    }

    /// <summary>Hostile or mangled files are reported, never thrown: a valid file with random edits, or random text.</summary>
    [Property(MaxTest = 200)]
    public void Any_file_content_loads_without_throwing(int[] edits, string? junk)
    {
        var text = OneRule.ToCharArray();
        const string Interesting = "\"'[]{}:-#&*!|>$\n \t\\";
        foreach (var edit in edits ?? []) text[(edit & 0x7fffffff) % text.Length] = Interesting[(edit >>> 8) % Interesting.Length];
        _directory.With("mangled.yaml", new string(text)).With("junk.yaml", junk ?? "");

        var result = _directory.Load();

        Assert.Equal(result.RuleSet is null, result.Errors.Count > 0);
    }

    private RuleLoadError SingleError(string yaml)
    {
        var result = _directory.With("rules.yaml", yaml).Load();
        Assert.False(result.Succeeded);
        return Assert.Single(result.Errors);
    }
}
