using System.Globalization;
using System.Text;

namespace Outcall.LoadTools;

/// <summary>The soak's Markdown report: traffic, errors of well-behaved clients, resource drift, and the log's health.</summary>
internal static class SoakReport
{
    /// <summary>
    /// Drift compares the last 5 minutes with minutes 5-10 (the first 5 are warm-up). Runs shorter than
    /// 15 minutes, where those windows would overlap, scale them: the last sixth against the second sixth.
    /// </summary>
    public static ((double From, double To) Early, (double From, double To) Late) Windows(double seconds) =>
        seconds >= 15 * 60 ? ((300, 600), (seconds - 300, seconds)) : ((seconds / 6, seconds / 3), (seconds * 5 / 6, seconds));

    public static string Write(SoakRun run, IReadOnlyList<ProcessSample> samples, IEnumerable<SoakTally> tallies, SoakLogScan log, string plotFile)
    {
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        var tallyList = tallies.ToList();
        var wellBehavedErrors = tallyList.Where(t => t.WellBehaved).Sum(t => t.Errors);
        var hung = tallyList.Where(t => !t.WellBehaved).Sum(t => t.Outcomes.GetValueOrDefault("hung"));
        text.AppendLine(inv, $"# Outcall soak, {run.Started:yyyy-MM-dd HH:mm}Z, {run.Seconds / 60:F0} minutes");
        text.AppendLine();
        text.AppendLine(inv, $"Commit {run.Commit}. Command: `{run.Command}`. {run.Note}");
        text.AppendLine(inv, $"Small GETs paced at {run.Rate:N0}/s; the other clients at fixed rates around them (bench/soak.sh). Samples every 10 s: {samples.Count}.");
        text.AppendLine();
        text.AppendLine("## Verdict");
        text.AppendLine();
        text.AppendLine(inv, $"- Errors seen by well-behaved clients: **{wellBehavedErrors}** (must be 0): {(wellBehavedErrors == 0 ? "met" : "MISSED")}.");
        text.AppendLine(inv, $"- Hostile or faulty clients the proxy left hanging: **{hung}**.");
        text.AppendLine(inv, $"- Unhandled exceptions in the log: **{log.Unhandled}**; dead letters: {log.DeadLetters:N0} in all, at most {log.WorstDeadLettersPerMinute:N0} in one minute.");
        text.AppendLine();
        text.AppendLine("## Traffic");
        text.AppendLine();
        text.AppendLine("| client | kind | outcome |");
        text.AppendLine("|---|---|---|");
        foreach (var tally in tallyList)
            text.AppendLine(inv, $"| {tally.Name} | {(tally.WellBehaved ? "well-behaved" : "hostile/faulty")} | {tally.Summary()} |");
        foreach (var tally in tallyList.Where(t => t.Errors > 0))
        {
            text.AppendLine();
            text.AppendLine(inv, $"First errors of {tally.Name}:");
            foreach (var error in tally.FirstErrors) text.AppendLine(inv, $"- {error}");
        }
        text.AppendLine();
        var (early, late) = Windows(run.Seconds);
        text.AppendLine("## Resources of the proxy process");
        text.AppendLine();
        text.AppendLine(inv, $"Drift: mean of seconds {late.From:F0}-{late.To:F0} against seconds {early.From:F0}-{early.To:F0}.");
        text.AppendLine();
        text.AppendLine("| metric | first | min | max | last | early mean | late mean | drift |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        Row(text, "RSS (MB)", samples, s => s.RssMb, early, late);
        Row(text, "open descriptors", samples, s => s.Descriptors, early, late);
        Row(text, "threads", samples, s => s.Threads, early, late);
        Row(text, "GC heap after last GC (MB)", samples, s => s.GcHeapMb, early, late);
        Row(text, "client connections", samples, s => s.Connections, early, late);
        Row(text, "tunnels", samples, s => s.Tunnels, early, late);
        text.AppendLine();
        text.AppendLine(inv, $"![RSS and open descriptors over time]({plotFile})");
        text.AppendLine();
        text.AppendLine("## Log");
        text.AppendLine();
        text.AppendLine(inv, $"{log.Lines:N0} lines: {log.Warnings:N0} warnings (refused requests are logged at warning), {log.Errors:N0} errors, {log.Exceptions:N0} with an exception, {log.Unhandled} unhandled.");
        if (log.ErrorTemplates.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("Most frequent errors (message templates):");
            foreach (var template in log.ErrorTemplates) text.AppendLine(inv, $"- `{template.Replace('`', '\'')}`");
        }
        return text.ToString();
    }

    private static void Row(StringBuilder text, string name, IReadOnlyList<ProcessSample> samples, Func<ProcessSample, double> value,
        (double From, double To) early, (double From, double To) late)
    {
        var inv = CultureInfo.InvariantCulture;
        if (samples.Count == 0) return;
        var values = samples.Select(value).ToList();
        var earlyMean = Mean(samples, value, early);
        var lateMean = Mean(samples, value, late);
        var drift = lateMean - earlyMean;
        var percent = earlyMean == 0 ? double.NaN : drift * 100 / earlyMean;
        text.AppendLine(inv, $"| {name} | {values[0]:F1} | {values.Min():F1} | {values.Max():F1} | {values[^1]:F1} | {earlyMean:F1} | {lateMean:F1} | {drift:+0.0;-0.0;0} ({percent:+0.0;-0.0;0}%) |");
    }

    private static double Mean(IReadOnlyList<ProcessSample> samples, Func<ProcessSample, double> value, (double From, double To) window)
    {
        var inside = samples.Where(s => s.Seconds >= window.From && s.Seconds <= window.To).Select(value).ToList();
        return inside.Count == 0 ? double.NaN : inside.Average();
    }
}

internal sealed record SoakRun(DateTime Started, double Seconds, int Rate, string Commit, string Command, string Note);
