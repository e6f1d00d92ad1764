using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Outcall.Tests.Telemetry;

public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public string Label(string name) => Labels.TryGetValue(name, out var value) ? value : throw new KeyNotFoundException($"{Name} has no label {name}");
}

public sealed record PrometheusFamily(string Name, string Type, string Help, IReadOnlyList<PrometheusSample> Samples);

/// <summary>
/// A strict parser for the Prometheus text exposition format 0.0.4, for checking what /metrics
/// writes: every line must be a HELP, TYPE, comment or sample line of the right syntax; label values
/// use only the \\ \" \n escapes; each family's HELP and TYPE come once, before its samples, and
/// its samples are contiguous; no series repeats; histograms have le-ordered cumulative buckets
/// ending at +Inf, with _count equal to the +Inf bucket and a _sum. Throws FormatException.
/// </summary>
public static partial class PrometheusText
{
    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex MetricName();

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$")]
    private static partial Regex LabelName();

    private static readonly string[] Types = ["counter", "gauge", "histogram", "summary", "untyped"];

    public static IReadOnlyDictionary<string, PrometheusFamily> Parse(string text)
    {
        if (text.Length > 0 && !text.EndsWith('\n')) throw new FormatException("the exposition must end with a line feed");
        var families = new Dictionary<string, (string? Type, string? Help, List<PrometheusSample> Samples)>(StringComparer.Ordinal);
        var series = new HashSet<string>(StringComparer.Ordinal);
        var finished = new HashSet<string>(StringComparer.Ordinal);
        string? current = null;
        var lineNumber = 0;
        foreach (var line in text[..^(text.Length > 0 ? 1 : 0)].Split('\n'))
        {
            lineNumber++;
            try
            {
                if (line.Length == 0) continue;
                if (line.StartsWith('#'))
                {
                    var parts = line.Split(' ', 4);
                    if (parts.Length < 3 || parts[0] != "#" || parts[1] is not ("HELP" or "TYPE")) continue; // a plain comment
                    var name = parts[2];
                    if (!MetricName().IsMatch(name)) throw new FormatException($"bad metric name '{name}'");
                    Enter(name);
                    var family = families.GetValueOrDefault(name, (null, null, []));
                    if (family.Samples.Count > 0) throw new FormatException($"{parts[1]} for {name} after its samples");
                    if (parts[1] == "HELP")
                    {
                        if (family.Help is not null) throw new FormatException($"second HELP for {name}");
                        family.Help = Unescape(parts.Length == 4 ? parts[3] : "", help: true);
                    }
                    else
                    {
                        if (family.Type is not null) throw new FormatException($"second TYPE for {name}");
                        if (parts.Length != 4 || !Types.Contains(parts[3])) throw new FormatException($"bad TYPE line for {name}");
                        family.Type = parts[3];
                    }
                    families[name] = family;
                    continue;
                }
                var sample = ParseSample(line);
                var familyName = FamilyOf(sample.Name, families);
                Enter(familyName);
                var owner = families.GetValueOrDefault(familyName, (null, null, []));
                owner.Samples.Add(sample);
                families[familyName] = owner;
                var key = sample.Name + "{" + string.Join(",", sample.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")) + "}";
                if (!series.Add(key)) throw new FormatException($"series {key} appears twice");
            }
            catch (FormatException e)
            {
                throw new FormatException($"line {lineNumber}: {e.Message}", e);
            }
        }

        var result = new Dictionary<string, PrometheusFamily>(StringComparer.Ordinal);
        foreach (var (name, (type, help, samples)) in families)
        {
            var family = new PrometheusFamily(name, type ?? "untyped", help ?? "", samples);
            if (family.Type == "histogram") CheckHistogram(family);
            result[name] = family;
        }
        return result;

        // A family's lines must be contiguous: once another family starts, this one is closed.
        void Enter(string name)
        {
            if (current == name) return;
            if (!finished.Add(name)) throw new FormatException($"lines of {name} are not contiguous");
            current = name;
        }
    }

    /// <summary>name_bucket/_sum/_count belong to the histogram (or summary) family "name" when one is declared.</summary>
    private static string FamilyOf(string sampleName, Dictionary<string, (string? Type, string? Help, List<PrometheusSample> Samples)> families)
    {
        foreach (var suffix in (string[])["_bucket", "_sum", "_count"])
        {
            if (!sampleName.EndsWith(suffix, StringComparison.Ordinal)) continue;
            var baseName = sampleName[..^suffix.Length];
            if (families.TryGetValue(baseName, out var family) && family.Type is "histogram" or "summary") return baseName;
        }
        return sampleName;
    }

    private static PrometheusSample ParseSample(string line)
    {
        var position = 0;
        while (position < line.Length && line[position] is not ('{' or ' ')) position++;
        var name = line[..position];
        if (!MetricName().IsMatch(name)) throw new FormatException($"bad metric name '{name}'");
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (position < line.Length && line[position] == '{')
        {
            position++;
            while (true)
            {
                if (position < line.Length && line[position] == '}') { position++; break; }
                var equals = line.IndexOf('=', position);
                if (equals < 0) throw new FormatException("label without '='");
                var labelName = line[position..equals];
                if (!LabelName().IsMatch(labelName)) throw new FormatException($"bad label name '{labelName}'");
                position = equals + 1;
                if (position >= line.Length || line[position] != '"') throw new FormatException($"label {labelName} value is not quoted");
                position++;
                var value = new StringBuilder();
                while (true)
                {
                    if (position >= line.Length) throw new FormatException($"label {labelName} value is not closed");
                    var c = line[position++];
                    if (c == '"') break;
                    if (c != '\\') { value.Append(c); continue; }
                    if (position >= line.Length) throw new FormatException("escape at end of line");
                    value.Append(line[position++] switch
                    {
                        '\\' => '\\',
                        '"' => '"',
                        'n' => '\n',
                        var other => throw new FormatException($"bad escape '\\{other}' in label {labelName}"),
                    });
                }
                if (!labels.TryAdd(labelName, value.ToString())) throw new FormatException($"label {labelName} given twice");
                if (position < line.Length && line[position] == ',') position++;
                else if (position >= line.Length || line[position] != '}') throw new FormatException("labels must be separated by ','");
            }
        }
        if (position >= line.Length || line[position] != ' ') throw new FormatException("no space before the value");
        var fields = line[(position + 1)..].Split(' ');
        if (fields.Length is < 1 or > 2) throw new FormatException("expected a value and an optional timestamp");
        var sampleValue = ParseValue(fields[0]);
        if (fields.Length == 2 && !long.TryParse(fields[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
            throw new FormatException("bad timestamp");
        return new PrometheusSample(name, labels, sampleValue);
    }

    public static double ParseValue(string text) => text switch
    {
        "+Inf" or "Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ when text.Length > 0 && (char.IsAsciiDigit(text[0]) || text[0] is '-' or '+' or '.')
               && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) => value,
        _ => throw new FormatException($"bad sample value '{text}'"),
    };

    private static string Unescape(string text, bool help)
    {
        var result = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\') { result.Append(text[i]); continue; }
            if (++i >= text.Length) throw new FormatException("escape at end of HELP");
            result.Append(text[i] switch
            {
                '\\' => '\\',
                'n' => '\n',
                var other => throw new FormatException($"bad escape '\\{other}' in {(help ? "HELP" : "text")}"),
            });
        }
        return result.ToString();
    }

    private static void CheckHistogram(PrometheusFamily family)
    {
        var name = family.Name;
        var buckets = family.Samples.Where(s => s.Name == name + "_bucket").ToList();
        var sums = family.Samples.Where(s => s.Name == name + "_sum").ToList();
        var counts = family.Samples.Where(s => s.Name == name + "_count").ToList();
        if (family.Samples.Count != buckets.Count + sums.Count + counts.Count)
            throw new FormatException($"histogram {name} has samples other than _bucket, _sum and _count");
        if (buckets.Count == 0 || sums.Count != 1 || counts.Count != 1)
            throw new FormatException($"histogram {name} needs buckets, one _sum and one _count");
        var previousBound = double.NegativeInfinity;
        var previousCount = 0.0;
        foreach (var bucket in buckets)
        {
            var bound = ParseValue(bucket.Label("le"));
            if (!(bound > previousBound)) throw new FormatException($"histogram {name} buckets are not in increasing le order");
            if (bucket.Value < previousCount) throw new FormatException($"histogram {name} buckets are not cumulative");
            previousBound = bound;
            previousCount = bucket.Value;
        }
        if (!double.IsPositiveInfinity(previousBound)) throw new FormatException($"histogram {name} does not end with le=\"+Inf\"");
        if (counts[0].Value != previousCount) throw new FormatException($"histogram {name} _count differs from its +Inf bucket");
    }
}
