using System.Globalization;
using System.Text;
using Outcall.Rules;
using Outcall.Rules.Cel;

namespace Outcall.Host.Cli;

/// <summary>
/// `outcall rules check|list|test` (S003 CLI). Exit codes: 0 fine, 1 the rules or expression are wrong,
/// 2 the command line is wrong.
/// </summary>
public static class RulesCommand
{
    internal const int ConditionWidth = 60;
    private const int NameWidth = 40;

    private const string Usage =
        "usage: outcall rules check [--rules-dir DIR] | list [--rules-dir DIR] | test --expr CEL [--context JSON]";

    /// <param name="args">What follows `outcall rules`.</param>
    public static int Run(string[] args, string defaultRulesDir, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0)
        {
            stderr.WriteLine(Usage);
            return 2;
        }
        var command = args[0];
        if (command is "-h" or "--help" or "help")
        {
            stdout.WriteLine(Usage);
            return 0;
        }
        string[] allowed = command switch
        {
            "check" or "list" => ["--rules-dir"],
            "test" => ["--expr", "--context"],
            _ => [],
        };
        if (allowed.Length == 0)
        {
            stderr.WriteLine($"unknown rules subcommand '{command}'; {Usage}");
            return 2;
        }
        if (ParseOptions(args.AsSpan(1), allowed, out var options) is { } problem)
        {
            stderr.WriteLine($"outcall rules {command}: {problem}");
            return 2;
        }
        var rulesDir = options.GetValueOrDefault("--rules-dir") ?? defaultRulesDir;
        return command switch
        {
            "check" => Check(rulesDir, stdout, stderr),
            "list" => List(rulesDir, stdout, stderr),
            _ => Test(options, stdout, stderr),
        };
    }

    /// <summary>`--name value` or `--name=value` pairs; the error, or null.</summary>
    private static string? ParseOptions(ReadOnlySpan<string> args, string[] allowed, out Dictionary<string, string> options)
    {
        options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            var equals = arg.IndexOf('=');
            var name = equals > 0 ? arg[..equals] : arg;
            if (!allowed.Contains(name)) return $"unknown option '{arg}'";
            if (equals > 0) options[name] = arg[(equals + 1)..];
            else if (i + 1 < args.Length) options[name] = args[++i];
            else return $"option '{name}' needs a value";
        }
        return null;
    }

    private static int Check(string rulesDir, TextWriter stdout, TextWriter stderr)
    {
        var result = Load(rulesDir, stderr);
        if (result.RuleSet is not { } ruleSet) return 1;
        stdout.WriteLine($"{Count(ruleSet.Rules.Count, "rule")} in {Count(result.Files.Count, "file")}, OK");
        return 0;
    }

    private static int List(string rulesDir, TextWriter stdout, TextWriter stderr)
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

    private static int Test(Dictionary<string, string> options, TextWriter stdout, TextWriter stderr)
    {
        if (!options.TryGetValue("--expr", out var expression))
        {
            stderr.WriteLine("outcall rules test: --expr is required");
            return 2;
        }
        EvaluationContext context;
        try
        {
            context = EvaluationContextJson.Parse(options.GetValueOrDefault("--context") ?? "{}");
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
    private static RuleLoadResult Load(string rulesDir, TextWriter stderr)
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
