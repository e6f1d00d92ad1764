using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Outcall.Tests.Telemetry;

public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public string Label(string name) => Labels.TryGetValue(name, out var value) ? value : throw new KeyNotFoundException($"{Name} has no label {name}");

    /// <summary>A histogram bucket's bound as the number it is (an exporter may write 0.00001 as 1E-05).</summary>
    public double Bound => PrometheusExposition.Float(Label("le"));
}

/// <summary>One metric family; a histogram's samples are its _bucket series in le order, then _sum and _count.</summary>
public sealed record PrometheusFamily(string Name, string Type, string Help, IReadOnlyList<PrometheusSample> Samples);

/// <summary>
/// Reads a text exposition with parsers that are not ours: Prometheus's own `promtool check metrics`
/// must accept it (its parser and its linter: names, types, HELP, histogram shape), then the npm
/// parse-prometheus-text-format package (tests/Outcall.Tests/Telemetry/prometheus-parser, installed by
/// .ci/run) turns it into families. Throws with the tool's message when either refuses.
/// </summary>
public static class PrometheusExposition
{
    private static readonly string ParserDirectory = Path.Combine(RepoRoot(), "tests", "Outcall.Tests", "Telemetry", "prometheus-parser");

    public static IReadOnlyDictionary<string, PrometheusFamily> Parse(string text)
    {
        Check(text);
        var (exit, json, error) = Run("node", [Path.Combine(ParserDirectory, "parse.cjs")], text);
        if (exit != 0) throw new FormatException($"parse-prometheus-text-format refused the exposition: {error}\n{text}");
        using var document = JsonDocument.Parse(json);
        return document.RootElement.EnumerateArray().Select(Family).ToDictionary(f => f.Name, StringComparer.Ordinal);
    }

    /// <summary>promtool exits 1 on a parse error and 3 on a lint problem, naming it on stdout.</summary>
    public static void Check(string text)
    {
        var (exit, output, error) = Run("promtool", ["check", "metrics"], text);
        if (exit != 0) throw new FormatException($"promtool check metrics exited {exit}: {output}{error}\n{text}");
    }

    private static PrometheusFamily Family(JsonElement family)
    {
        var name = family.GetProperty("name").GetString()!;
        var type = family.GetProperty("type").GetString()!.ToLowerInvariant();
        var samples = new List<PrometheusSample>();
        foreach (var metric in family.GetProperty("metrics").EnumerateArray())
        {
            var labels = metric.TryGetProperty("labels", out var l)
                ? l.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal)
                : new Dictionary<string, string>(StringComparer.Ordinal);
            if (type != "histogram")
            {
                samples.Add(new PrometheusSample(name, labels, Number(metric.GetProperty("value"))));
                continue;
            }
            foreach (var bucket in metric.GetProperty("buckets").EnumerateObject())
                samples.Add(new PrometheusSample(name + "_bucket", new Dictionary<string, string>(labels) { ["le"] = bucket.Name }, Number(bucket.Value)));
            samples.Add(new PrometheusSample(name + "_sum", labels, Number(metric.GetProperty("sum"))));
            samples.Add(new PrometheusSample(name + "_count", labels, Number(metric.GetProperty("count"))));
        }
        return new PrometheusFamily(name, type, family.GetProperty("help").GetString()!, samples);
    }

    /// <summary>A sample value or bound as the text format writes it (Go's float syntax, +Inf, -Inf, NaN).</summary>
    public static double Float(string text) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    private static double Number(JsonElement value) => Float(value.GetString()!);

    private static (int Exit, string Out, string Err) Run(string tool, string[] args, string input)
    {
        var info = new ProcessStartInfo(tool)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {tool}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(input);
        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill();
            throw new TimeoutException($"{tool} did not finish within 30 s");
        }
        return (process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Outcall.sln"))) return dir.FullName;
        throw new InvalidOperationException("repository root not found");
    }
}
