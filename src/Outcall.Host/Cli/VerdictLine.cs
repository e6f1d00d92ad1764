using System.Globalization;
using System.Text;
using System.Text.Json;
using Outcall.Events;

namespace Outcall.Host.Cli;

/// <summary>
/// One event of the admin stream as `outcall tail` prints it: time, decision, agent, method, target, then the rule
/// that allowed it or why it was blocked; an outcome (the same event once it ended) as a DONE line with status,
/// bytes and duration. Names from the wire are printed with control characters replaced, so an event cannot
/// drive the terminal.
/// </summary>
public static class VerdictLine
{
    private const string Green = "\e[32m", Red = "\e[31m", Yellow = "\e[33m", Dim = "\e[2m", Reset = "\e[0m";

    public static string Format(JsonElement e, bool colour)
    {
        var decision = Text(e, "decision");
        var target = Text(e, "host") + ":" + Number(e, "port") + Text(e, "path")
                     + (Text(e, "server_name") is { Length: > 0 } sni ? $" sni={sni}" : "");
        var agent = Text(e, "agent") is { Length: > 0 } name ? name : "-";
        var time = e.TryGetProperty("time", out var t) && t.TryGetDateTimeOffset(out var stamp)
            ? stamp.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture)
            : "--:--:--";

        string label, paint, detail;
        if (e.TryGetProperty("outcome", out var outcome) && outcome.ValueKind == JsonValueKind.Object)
        {
            label = "DONE " + Number(outcome, "status");
            paint = Dim;
            detail = $"{Bytes(outcome, "bytes_up")} up, {Bytes(outcome, "bytes_down")} down, {Number(outcome, "duration_ms")} ms, {Text(outcome, "end")}";
        }
        else
        {
            label = decision;
            paint = decision == TrafficEvent.Allow ? Green : decision == TrafficEvent.Block ? Red : Yellow;
            var rule = Text(e, "rule_id");
            var reason = Text(e, "reason");
            detail = decision == TrafficEvent.Allow ? $"rule {rule}" : rule.Length > 0 && !reason.Contains(rule, StringComparison.Ordinal) ? $"{reason} (rule {rule})" : reason;
        }
        var line = $"{time}  {label,-11}  {agent}  {Text(e, "method")} {target}  {detail}";
        return colour ? $"{paint}{line}{Reset}" : line;
    }

    /// <summary>NO_COLOR (no-color.org) set to anything turns colour off, and so does output that is not a terminal.</summary>
    public static bool ColourWanted(TextWriter stdout) =>
        ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));

    private static string Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? Printable(value.GetString()!) : "";

    private static string Number(JsonElement e, string name) =>
        e.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetRawText() : "?";

    private static string Bytes(JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out var value) || !value.TryGetInt64(out var bytes)) return "?";
        return bytes switch
        {
            < 1024 => $"{bytes} B",
            < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KiB"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.#} MiB"),
        };
    }

    private static string Printable(string text)
    {
        if (!text.Any(char.IsControl)) return text;
        var clean = new StringBuilder(text.Length);
        foreach (var c in text) clean.Append(char.IsControl(c) ? '?' : c);
        return clean.ToString();
    }
}
