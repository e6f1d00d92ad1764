using System.CommandLine;
using System.Globalization;
using System.Text;
using Outcall.Host.Admin;
using Outcall.Rules;
using Outcall.Rules.Cel;

namespace Outcall.Host.Cli;

/// <summary>`outcall rules check [--rules-dir DIR]`: validates a rules directory.</summary>
public sealed record RulesCheckCommand(string? RulesDir, string? ConfigFile) : CliCommand
{
    public override Task<int> RunAsync(TextWriter stdout, TextWriter stderr) =>
        Task.FromResult(RulesCommand.Check(RulesCommand.RulesDirectory(RulesDir, ConfigFile), stdout, stderr));
}

/// <summary>`outcall rules list [--rules-dir DIR]`: every rule, in evaluation order.</summary>
public sealed record RulesListCommand(string? RulesDir, string? ConfigFile) : CliCommand
{
    public override Task<int> RunAsync(TextWriter stdout, TextWriter stderr) =>
        Task.FromResult(RulesCommand.List(RulesCommand.RulesDirectory(RulesDir, ConfigFile), stdout, stderr));
}

/// <summary>`outcall rules test --expr CEL [--context JSON]`: one expression against one request context.</summary>
public sealed record RulesTestCommand(string Expression, string? Context) : CliCommand
{
    public override Task<int> RunAsync(TextWriter stdout, TextWriter stderr) =>
        Task.FromResult(RulesCommand.Test(Expression, Context ?? "{}", stdout, stderr));
}

/// <summary>`outcall rules reload [--admin URL] [--config FILE]`: reload a running node's rules through its admin API.</summary>
public sealed record RulesReloadCommand(string? AdminUrl, string? ConfigFile) : CliCommand
{
    public override Task<int> RunAsync(TextWriter stdout, TextWriter stderr) =>
        AdminCommands.RulesReloadAsync(AdminCommands.Target(AdminUrl, ConfigFile), stdout, stderr);
}

/// <summary>
/// `outcall rules check|list|test|explain|suggest|reload` (S003 CLI, issue 15). Exit codes: 0 fine, 1 the rules or expression are wrong,
/// 2 the command line is wrong.
/// </summary>
public static class RulesCommand
{
    internal const int ConditionWidth = 60;
    private const int NameWidth = 40;

    internal static Command Define()
    {
        var checkDir = CliOptions.RulesDir();
        var listDir = CliOptions.RulesDir();
        var expression = CliOptions.Value("--expr", "CEL", "a boolean CEL expression over the request context");
        expression.Required = true;
        var context = CliOptions.Value("--context", "JSON", "the request context as JSON (default: {}, every field its zero value)");
        var explainDir = CliOptions.RulesDir();
        var explainContext = CliOptions.Value("--context", "JSON", "the request context as JSON, as for rules test");
        explainContext.Required = true;
        var suggestAdmin = CliOptions.AdminUrl();
        var suggestAgent = CliOptions.Value("--agent", "NAME", "only this agent's events; the rules then hold for it alone (agent.name)");
        var suggestSince = CliOptions.Checked(CliOptions.Value("--since", "DURATION", "only events newer than this: 90s, 30m, 1h, 2d (default: all the node holds)"),
            value => RulesSuggestCommand.ParseSince(value));
        var suggestOut = CliOptions.Value("--out", "FILE", "write the rule file here instead of to standard output");
        var explainJson = new Option<bool>("--json") { Description = "the explanation as one JSON object (the shape of /api/v1/events/{id})" };
        return new Command("rules", "Check, list, try out and explain rules, draft them from observed traffic; reload a running proxy's rules")
        {
            Verb.Command("check", "Validate a rules directory: a summary, or every error (exit 1)",
                result => new RulesCheckCommand(result.GetValue(checkDir), result.GetValue(CliOptions.Config)), checkDir),
            Verb.Command("list", "ID, FILE, ACTION, PRIORITY, CONDITION of every rule, in evaluation order",
                result => new RulesListCommand(result.GetValue(listDir), result.GetValue(CliOptions.Config)), listDir),
            Verb.Command("test", "Evaluate one expression: Result: true / Result: false, or the error (exit 1)",
                result => new RulesTestCommand(result.GetValue(expression)!, result.GetValue(context)), expression, context),
            Verb.Command("explain", "Judge one request context offline: the deciding rule and, for a block, why each rule did not decide",
                result => new RulesExplainCommand(result.GetValue(explainContext)!, result.GetValue(explainDir), result.GetValue(CliOptions.Config),
                    result.GetValue(explainJson)), explainContext, explainDir, explainJson),
            Verb.Command("suggest", "Draft a rule file that allows what a running node observed (blocked, would-block and allowed events)",
                result => new RulesSuggestCommand(result.GetValue(suggestAdmin), result.GetValue(CliOptions.Config), result.GetValue(suggestAgent),
                    result.GetValue(suggestSince) is { } since ? RulesSuggestCommand.ParseSince(since) : null, result.GetValue(suggestOut)),
                suggestAdmin, suggestAgent, suggestSince, suggestOut),
            Verb.AdminClient("reload", "Ask the running proxy to reload its rules (exit 1 if the new set is rejected)",
                (admin, config) => new RulesReloadCommand(admin, config)),
        };
    }

    /// <summary>The flag's directory, else outcall.rules.dir of the configuration (which is checked either way).</summary>
    internal static string RulesDirectory(string? rulesDir, string? configFile) =>
        RulesSettings.Create(ConfigLayers.Load(configFile, ("outcall.rules.dir", rulesDir))).Directory;

    internal static int Check(string rulesDir, TextWriter stdout, TextWriter stderr)
    {
        var result = Load(rulesDir, stderr);
        if (result.RuleSet is not { } ruleSet) return 1;
        stdout.WriteLine($"{Count(ruleSet.Rules.Count, "rule")} in {Count(result.Files.Count, "file")}, OK");
        return 0;
    }

    internal static int List(string rulesDir, TextWriter stdout, TextWriter stderr)
    {
        if (Load(rulesDir, stderr).RuleSet is not { } ruleSet) return 1;
        string[] header = ["ID", "FILE", "ACTION", "PRIORITY", "CONDITION"];
        var rows = ruleSet.Rules.Select(rule => new[]
        {
            Cut(rule.Id, NameWidth), Cut(rule.File, NameWidth), rule.Action == RuleAction.Allow ? "allow" : "block",
            rule.Priority.ToString(CultureInfo.InvariantCulture), OneLine(rule.Condition),
        }).ToList();
        var widths = Enumerable.Range(0, header.Length - 1)
            .Select(column => rows.Select(row => row[column].Length).Append(header[column].Length).Max())
            .ToArray();
        foreach (var row in rows.Prepend(header))
        {
            var line = new StringBuilder();
            for (var column = 0; column < widths.Length; column++) line.Append(row[column].PadRight(widths[column] + 2));
            stdout.WriteLine(line.Append(row[^1]).ToString());
        }
        if (rows.Count == 0) stdout.WriteLine("(no rules: the default policy blocks every request)");
        return 0;
    }

    internal static int Test(string expression, string contextJson, TextWriter stdout, TextWriter stderr)
    {
        EvaluationContext context;
        try
        {
            context = EvaluationContextJson.Parse(contextJson);
        }
        catch (FormatException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return 1;
        }

        CelProgram program;
        try
        {
            program = CelCompiler.Compile(expression, EvaluationContext.Environment);
        }
        catch (CelCompileException e)
        {
            stderr.WriteLine($"compile error at {e.Line}:{e.Column}: {e.Message}");
            return 1;
        }
        if (program.ResultType != CelType.Bool && program.ResultType != CelType.Dyn)
        {
            stderr.WriteLine($"compile error: the expression must be boolean, but its type is {program.ResultType}");
            return 1;
        }

        var result = program.Evaluate(context);
        if (result.IsError)
        {
            stderr.WriteLine($"runtime error: {result.Error}");
            return 1;
        }
        if (result.Value is not bool value)
        {
            stderr.WriteLine("runtime error: the expression did not evaluate to a boolean");
            return 1;
        }
        stdout.WriteLine(value ? "Result: true" : "Result: false");
        return 0;
    }

    /// <summary>Loads, printing warnings and (on failure) every error to stderr.</summary>
    internal static RuleLoadResult Load(string rulesDir, TextWriter stderr)
    {
        var result = RuleSetLoader.Load(rulesDir);
        foreach (var warning in result.Warnings) stderr.WriteLine($"warning: {warning}");
        foreach (var error in result.Errors) stderr.WriteLine($"error: {error}");
        if (!result.Succeeded) stderr.WriteLine($"{Count(result.Errors.Count, "error")} in {rulesDir}");
        return result;
    }

    private static string Count(int count, string noun) => $"{count} {noun}{(count == 1 ? "" : "s")}";

    /// <summary>Whitespace runs (newlines in `|` blocks) become single spaces, then the text is cut to fit.</summary>
    internal static string OneLine(string condition) =>
        Cut(string.Join(' ', condition.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)), ConditionWidth);

    private static string Cut(string text, int width) => text.Length <= width ? text : text[..(width - 3)] + "...";
}
