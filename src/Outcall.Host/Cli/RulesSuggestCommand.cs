using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Outcall.Host.Admin;
using Outcall.Rules;

namespace Outcall.Host.Cli;

/// <summary>
/// `outcall rules suggest [--admin URL] [--agent A] [--since 1h] [--out FILE]` (issue 15): reads the node's recent events
/// and drafts a rule file that allows what was observed (<see cref="RuleSuggester"/>), to stdout or FILE.
/// Exit 0 written, 1 the node cannot be reached or FILE cannot be written.
/// </summary>
public sealed partial record RulesSuggestCommand(string? AdminUrl, string? ConfigFile, string? Agent, TimeSpan? Since, string? OutFile) : CliCommand
{
    /// <summary>More than any buffer: the node answers with all it holds (outcall.events.buffer).</summary>
    private const int AllHeld = 1_000_000;

    public override async Task<int> RunAsync(TextWriter stdout, TextWriter stderr)
    {
        var admin = AdminCommands.Target(AdminUrl, ConfigFile);
        var query = $"api/v1/events/recent?limit={AllHeld.ToString(CultureInfo.InvariantCulture)}" + (Agent is null ? "" : $"&agent={Uri.EscapeDataString(Agent)}");
        var notBefore = Since is { } since ? DateTimeOffset.UtcNow - since : (DateTimeOffset?)null;
        var answer = await AdminCommands.CallAsync(admin, HttpMethod.Get, query, stderr).ConfigureAwait(false);
        if (answer is not { } envelope) return 1;
        string file;
        using (envelope.Document)
        {
            if (!envelope.Success || envelope.Data.ValueKind != JsonValueKind.Array) return AdminCommands.Refused(envelope, stderr);
            file = RuleSuggester.Suggest(envelope.Data.EnumerateArray().Select(Observed).ToList(), new SuggestionRequest(Agent, notBefore, admin.ToString()));
        }
        if (OutFile is null)
        {
            await stdout.WriteAsync(file).ConfigureAwait(false);
            return 0;
        }
        try
        {
            await File.WriteAllTextAsync(OutFile, file).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"outcall: cannot write {OutFile}: {e.Message}");
            return 1;
        }
        stdout.WriteLine($"wrote {OutFile}; check it with: outcall rules check --rules-dir {Path.GetDirectoryName(Path.GetFullPath(OutFile))}");
        return 0;
    }

    /// <summary>An event of /api/v1/events/recent as the suggester reads it.</summary>
    private static ObservedRequest Observed(JsonElement e) => new(
        e.GetProperty("time").GetDateTimeOffset(), Text(e, "decision"), Text(e, "cause"), Text(e, "agent"), Text(e, "method"), Text(e, "host"),
        e.TryGetProperty("port", out var port) && port.TryGetInt32(out var number) ? number : 0, Text(e, "server_name"), Text(e, "rule_id"));

    private static string Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

    /// <summary>`--since`: a positive whole number of seconds, minutes, hours or days (90s, 30m, 1h, 2d).</summary>
    public static TimeSpan ParseSince(string text)
    {
        var match = SinceFormat().Match(text);
        if (!match.Success || !long.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count is 0 or > 100_000)
            throw new UsageException("--since must be a duration like 90s, 30m, 1h or 2d");
        return match.Groups[2].Value switch
        {
            "s" => TimeSpan.FromSeconds(count),
            "m" => TimeSpan.FromMinutes(count),
            "h" => TimeSpan.FromHours(count),
            _ => TimeSpan.FromDays(count),
        };
    }

    [GeneratedRegex("^([0-9]{1,6})([smhd])$")]
    private static partial Regex SinceFormat();
}
