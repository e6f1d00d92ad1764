using System.Globalization;
using System.Text.RegularExpressions;

namespace Outcall.LoadTools;

/// <summary>
/// What the proxy's log (compact JSON, one event a line) says about its health during the soak: errors,
/// exceptions, unhandled ones, and dead letters per minute (Akka reports a running count).
/// </summary>
internal sealed partial record SoakLogScan(long Lines, long Warnings, long Errors, long Exceptions, long Unhandled, long DeadLetters,
    double WorstDeadLettersPerMinute, IReadOnlyList<string> ErrorTemplates)
{
    public static SoakLogScan Read(string path)
    {
        long lines = 0, warnings = 0, errors = 0, exceptions = 0, unhandled = 0, deadLetters = 0;
        var perMinute = new Dictionary<long, long>();
        var templates = new Dictionary<string, int>(StringComparer.Ordinal);
        DateTimeOffset? first = null;
        foreach (var line in File.ReadLines(path))
        {
            lines++;
            var time = Timestamp().Match(line) is { Success: true } t ? DateTimeOffset.Parse(t.Groups[1].Value, CultureInfo.InvariantCulture) : (DateTimeOffset?)null;
            first ??= time;
            if (line.Contains("\"@l\":\"Warning\"", StringComparison.Ordinal)) warnings++;
            if (line.Contains("\"@l\":\"Error\"", StringComparison.Ordinal) || line.Contains("\"@l\":\"Fatal\"", StringComparison.Ordinal))
            {
                errors++;
                var template = Template().Match(line) is { Success: true } m ? m.Groups[1].Value : "(no template)";
                templates[template] = templates.GetValueOrDefault(template) + 1;
            }
            if (line.Contains("\"@x\":", StringComparison.Ordinal)) exceptions++;
            // "Unhandled exception" from the runtime, or a bare stack-trace line (not JSON: written by something other than the logger).
            if (line.Contains("nhandled", StringComparison.Ordinal) || StackTraceLine().IsMatch(line)) unhandled++;
            if (DeadLetterCount().Match(line) is { Success: true } dead)
            {
                var count = long.Parse(dead.Groups[1].Value, CultureInfo.InvariantCulture);
                var minute = time is { } at && first is { } start ? (long)(at - start).TotalMinutes : 0;
                perMinute[minute] = Math.Max(perMinute.GetValueOrDefault(minute), count);
                deadLetters = Math.Max(deadLetters, count);
            }
        }
        // The count is cumulative: a minute's dead letters are its last count less the previous minute's.
        var worst = 0.0;
        var previous = 0L;
        foreach (var (_, count) in perMinute.OrderBy(p => p.Key))
        {
            worst = Math.Max(worst, count - previous);
            previous = count;
        }
        return new SoakLogScan(lines, warnings, errors, exceptions, unhandled, deadLetters, worst,
            [.. templates.OrderByDescending(t => t.Value).Take(10).Select(t => $"{t.Value} x {t.Key}")]);
    }

    [GeneratedRegex("\"@t\":\"([^\"]+)\"")]
    private static partial Regex Timestamp();

    [GeneratedRegex("\"@mt\":\"((?:[^\"\\\\]|\\\\.){0,200})")]
    private static partial Regex Template();

    [GeneratedRegex(@"^\s+at \S+")]
    private static partial Regex StackTraceLine();

    [GeneratedRegex(@"\[(\d+)\] dead letters encountered")]
    private static partial Regex DeadLetterCount();
}
