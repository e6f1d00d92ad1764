using Outcall.Host.Cli;

namespace Outcall.Tests.Rules;

/// <summary>`outcall rules check|list|test` (S003 CLI).</summary>
public sealed class RulesCommandSpecs : IDisposable
{
    private readonly RuleDirectory _directory = new();
    private readonly StringWriter _stdout = new();
    private readonly StringWriter _stderr = new();

    /// <summary>A configuration whose outcall.rules.dir is the test's directory: the default the flags override.</summary>
    private readonly string _config = Path.Combine(Directory.CreateTempSubdirectory("outcall-rules-conf-").FullName, "outcall.conf");

    public RulesCommandSpecs() =>
        File.WriteAllText(_config, $"outcall.rules.dir = {System.Text.Json.JsonSerializer.Serialize(_directory.Path)}\n");

    public void Dispose()
    {
        _directory.Dispose();
        Directory.Delete(Path.GetDirectoryName(_config)!, recursive: true);
    }

    private const string TwoRules = """
        version: "1"
        rules:
          - id: allow-github
            condition: |
              network.hostname == "github.com" &&
                http.method == "GET"
            action: allow
          - id: block-metadata
            condition: network.hostname == "169.254.169.254"
            action: block
            priority: 1
        """;

    /// <summary>`outcall --config CONF rules ARGS...` through the one command-line parser.</summary>
    private int Run(params string[] args) =>
        CommandLine.RunAsync(["--config", _config, "rules", .. args], _stdout, _stderr).GetAwaiter().GetResult();

    [Fact]
    public void Check_summarises_a_valid_directory()
    {
        _directory.With("a.yaml", TwoRules).With("b.yml", "version: \"1\"\n");

        Assert.Equal(0, Run("check"));
        Assert.Equal("2 rules in 2 files, OK", _stdout.ToString().Trim());
    }

    [Fact]
    public void Check_prints_warnings_and_still_succeeds()
    {
        _directory.With("defs.yaml", "version: \"1\"\ndefinitions:\n  a: 'true'\n");

        Assert.Equal(0, Run("check"));
        Assert.Contains("warning: defs.yaml:3: definition '$a' is not used by any rule", _stderr.ToString());
        Assert.Equal("0 rules in 1 file, OK", _stdout.ToString().Trim());
    }

    [Fact]
    public void Check_prints_every_error_and_exits_1()
    {
        _directory.With("a.yaml", TwoRules.Replace("action: block", "action: enrich") + "\n    colour: red\n");

        Assert.Equal(1, Run("check"));
        var errors = _stderr.ToString().Split('\n').Where(line => line.StartsWith("error: ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, errors.Count);
        Assert.Contains("error: a.yaml:10:13 rule 'block-metadata': action 'enrich'", _stderr.ToString());
        Assert.Empty(_stdout.ToString());
    }

    [Fact]
    public void Check_reads_the_directory_given_by_the_flag()
    {
        using var other = new RuleDirectory();
        other.With("a.yaml", TwoRules);

        Assert.Equal(0, Run("check", "--rules-dir", other.Path));
        Assert.Equal(0, Run("check", $"--rules-dir={_directory.Path}"));
        Assert.Equal(["2 rules in 1 file, OK", "0 rules in 0 files, OK"], _stdout.ToString().Trim().Split(Environment.NewLine));
    }

    [Fact]
    public void List_prints_a_table_in_evaluation_order_with_conditions_on_one_line()
    {
        _directory.With("a.yaml", TwoRules);

        Assert.Equal(0, Run("list"));
        var lines = _stdout.ToString().TrimEnd().Split(Environment.NewLine);
        Assert.Equal(3, lines.Length);
        Assert.Matches(@"^ID\s+FILE\s+ACTION\s+PRIORITY\s+CONDITION$", lines[0]);
        Assert.Matches(@"^block-metadata\s+a\.yaml\s+block\s+1\s+network\.hostname == ""169\.254\.169\.254""$", lines[1]);
        Assert.Matches(@"^allow-github\s+a\.yaml\s+allow\s+100\s+network\.hostname == ""github\.com"" && http\.method == ""GET""$", lines[2]);
        Assert.Equal(lines[0].IndexOf("CONDITION", StringComparison.Ordinal), lines[2].IndexOf("network", StringComparison.Ordinal));
    }

    [Fact]
    public void A_long_condition_is_cut_to_fit()
    {
        var condition = string.Join(" || ", Enumerable.Range(0, 20).Select(i => $"network.hostname == \"h{i}.example\""));

        var shown = RulesCommand.OneLine(condition);

        Assert.Equal(RulesCommand.ConditionWidth, shown.Length);
        Assert.EndsWith("...", shown);
    }

    [Fact]
    public void List_with_errors_prints_them_and_exits_1()
    {
        _directory.With("a.yaml", "version: \"1\"\nrules: [\n");

        Assert.Equal(1, Run("list"));
        Assert.Contains("error: a.yaml", _stderr.ToString());
    }

    [Theory]
    [InlineData("""network.hostname == "github.com" && http.headers["x-a"] == "b" """, "Result: true")]
    [InlineData("""network.port == 80""", "Result: false")]
    public void Test_prints_the_result_against_the_context(string expression, string expected)
    {
        var context = """{"network":{"hostname":"github.com","port":443},"http":{"method":"GET","headers":{"X-A":"b"}}}""";

        Assert.Equal(0, Run("test", "--expr", expression, "--context", context));
        Assert.Equal(expected, _stdout.ToString().Trim());
    }

    [Fact]
    public void Test_takes_the_run_and_docker_namespaces_of_IF_013()
    {
        var context = """{"run":{"tool":"git","flags":["-f"],"context":{"branch":"main"}},"docker":{"capabilities":["NET_ADMIN"]}}""";

        Assert.Equal(0, Run("test", "--expr", """run.tool == "git" && "-f" in run.flags && run.context.branch == "main" && "NET_ADMIN" in docker.capabilities""", "--context", context));
        Assert.Equal("Result: true", _stdout.ToString().Trim());
    }

    [Fact]
    public void Test_without_a_context_uses_zero_values()
    {
        Assert.Equal(0, Run("test", "--expr", "network.hostname == \"\""));
        Assert.Equal("Result: true", _stdout.ToString().Trim());
    }

    [Theory]
    [InlineData("network.port ==", "compile error at ")]
    [InlineData("network.hostname", "must be boolean")]
    [InlineData("http.headers[\"missing\"] == \"x\"", "runtime error: ")]
    public void Test_reports_compile_and_runtime_errors_with_exit_1(string expression, string expected)
    {
        Assert.Equal(1, Run("test", "--expr", expression));
        Assert.Contains(expected, _stderr.ToString());
        Assert.Empty(_stdout.ToString());
    }

    [Fact]
    public void Test_rejects_an_unknown_context_field()
    {
        Assert.Equal(1, Run("test", "--expr", "true", "--context", """{"network":{"hostnme":"x"}}"""));
        Assert.Contains("unknown context field 'network.hostnme'", _stderr.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("verify")]
    [InlineData("check --verbose")]
    [InlineData("check --rules-dir")]
    [InlineData("list --expr true")]
    [InlineData("test --context {}")]
    public void A_bad_command_line_gets_one_line_and_exit_2(string commandLine)
    {
        var args = commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(2, Run(args));
        Assert.Single(_stderr.ToString().TrimEnd().Split(Environment.NewLine));
    }

    [Fact]
    public void The_example_rules_pass_check()
    {
        var examples = Path.Combine(RepositoryRoot(), "rules.d");

        Assert.Equal(0, Run("check", "--rules-dir", examples));
        Assert.Empty(_stderr.ToString());
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Outcall.sln"))) return directory.FullName;
        }
        throw new InvalidOperationException("Outcall.sln not found above the test output directory");
    }
}
