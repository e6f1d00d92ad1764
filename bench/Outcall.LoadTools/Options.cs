using System.Net;

namespace Outcall.LoadTools;

/// <summary>`--key value` pairs; every value a tool reads has a default or is required explicitly.</summary>
internal sealed class Options
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public static Options Parse(IEnumerable<string> args)
    {
        var options = new Options();
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            var key = e.Current;
            if (!key.StartsWith("--", StringComparison.Ordinal) || !e.MoveNext()) throw new ArgumentException($"expected --key value near '{key}'");
            options._values[key[2..]] = e.Current;
        }
        return options;
    }

    public string Text(string key) => _values.TryGetValue(key, out var value) ? value : throw new ArgumentException($"--{key} is required");

    public string TextOr(string key, string fallback) => _values.TryGetValue(key, out var value) ? value : fallback;

    public int Int(string key, int fallback) =>
        !_values.TryGetValue(key, out var value) ? fallback
        : int.TryParse(value, out var parsed) && parsed > 0 ? parsed : throw new ArgumentException($"--{key} must be a positive integer");

    /// <summary>The proxy to go through, or null for `direct` (straight to the echo server).</summary>
    public IPEndPoint? Proxy()
    {
        var text = Text("proxy");
        if (text == "direct") return null;
        return IPEndPoint.TryParse(text, out var endpoint) && endpoint.Port > 0 ? endpoint : throw new ArgumentException("--proxy must be ADDR:PORT or direct");
    }
}
