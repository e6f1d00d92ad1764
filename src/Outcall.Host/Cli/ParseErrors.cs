using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Text;

namespace Outcall.Host.Cli;

/// <summary>System.CommandLine's parse errors as the one line outcall prints (after `outcall: `).</summary>
internal static class ParseErrors
{
    /// <summary>What is wrong with the command line, or null.</summary>
    public static string? Describe(ParseResult result)
    {
        var command = result.CommandResult.Command;
        // A leading [word] is read as a directive, and one nobody declared would be dropped without a word.
        if (result.Tokens.FirstOrDefault(t => t.Type == TokenType.Directive) is { } directive)
            return $"unknown command '{directive.Value}'";
        if (result.Action is not ParseErrorAction) return null;
        if (result.UnmatchedTokens is [var token, ..])
        {
            if (token.StartsWith('-')) return $"unknown option '{token.Split('=', 2)[0]}'";
            return command.Subcommands.Count > 0
                ? $"unknown command '{Path(result.CommandResult, token)}' (try: {string.Join(", ", command.Subcommands.Select(c => c.Name))})"
                : $"unexpected argument '{token}' for '{Path(result.CommandResult)}'";
        }
        foreach (var error in result.Errors)
        {
            if (error.SymbolResult is not OptionResult option) continue;
            var name = option.Option.Name;
            if (option.IdentifierTokenCount > 1) return $"{name} given twice";
            if (option.IdentifierTokenCount == 0) return $"{name} is required";
            if (option.Tokens.Count == 0) return $"{name} needs a value";
            return error.Message;
        }
        if (command.Subcommands.Count > 0 && command.Action is null)
            return $"'{Path(result.CommandResult)}' needs a command: {string.Join(", ", command.Subcommands.Select(c => c.Name))}";
        return result.Errors[0].Message;
    }

    /// <summary>`rules list`: the command names below the root, then <paramref name="next"/>.</summary>
    private static string Path(CommandResult result, string? next = null)
    {
        var names = new List<string>();
        if (next is not null) names.Add(next);
        for (SymbolResult? at = result; at is not null; at = at.Parent)
        {
            if (at is CommandResult { Parent: not null } command) names.Add(command.Command.Name);
        }
        names.Reverse();
        return string.Join(' ', names);
    }

    /// <summary>Control characters of an echoed argument shown as \uXXXX, so the error stays one line.</summary>
    public static string Printable(string text)
    {
        if (!text.Any(char.IsControl)) return text;
        var printable = new StringBuilder(text.Length + 16);
        foreach (var c in text) printable.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c);
        return printable.ToString();
    }
}
