using System.Globalization;
using System.Text.RegularExpressions;

namespace Outcall.LoadTools;

/// <summary>One look at the proxy process: /proc for RSS, descriptors and threads; the admin /metrics for the GC heap and live connections.</summary>
internal sealed record ProcessSample(double Seconds, double RssMb, int Descriptors, int Threads, double GcHeapMb, long Connections, long Tunnels)
{
    public const string CsvHeader = "seconds,rss_mb,descriptors,threads,gc_heap_mb,connections,tunnels";

    public string Csv() => string.Create(CultureInfo.InvariantCulture,
        $"{Seconds:F0},{RssMb:F1},{Descriptors},{Threads},{GcHeapMb:F1},{Connections},{Tunnels}");
}

internal sealed partial class ProcessSampler(int pid, Uri metrics)
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };

    public async Task<ProcessSample> SampleAsync(double seconds)
    {
        var status = await File.ReadAllTextAsync($"/proc/{pid}/status").ConfigureAwait(false);
        var rssKb = long.Parse(RssField().Match(status).Groups[1].Value, CultureInfo.InvariantCulture);
        var threads = int.Parse(ThreadsField().Match(status).Groups[1].Value, CultureInfo.InvariantCulture);
        var descriptors = Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length;
        var text = await _http.GetStringAsync(metrics).ConfigureAwait(false);
        return new ProcessSample(seconds, rssKb / 1024.0, descriptors, threads, Gauge(text, "outcall_gc_heap_size_bytes") / 1048576.0,
            (long)Gauge(text, "outcall_active_connections"), (long)Gauge(text, "outcall_active_tunnels"));
    }

    private static double Gauge(string exposition, string name)
    {
        foreach (var line in exposition.Split('\n'))
        {
            // "name value [timestamp]" or "name{labels} value [timestamp]".
            int start;
            if (line.StartsWith(name + " ", StringComparison.Ordinal)) start = name.Length;
            else if (line.StartsWith(name + "{", StringComparison.Ordinal)) start = line.IndexOf('}', StringComparison.Ordinal) + 1;
            else continue;
            return double.Parse(line[start..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        return double.NaN;
    }

    [GeneratedRegex(@"VmRSS:\s+(\d+) kB")]
    private static partial Regex RssField();

    [GeneratedRegex(@"Threads:\s+(\d+)")]
    private static partial Regex ThreadsField();
}
