using System.Text.Json;

namespace Outcall.Rules;

/// <summary>
/// Builds an <see cref="EvaluationContext"/> from JSON shaped like the rule variables, e.g.
/// {"network":{"hostname":"x","port":443},"http":{"method":"GET","headers":{"a":"b"}}}.
/// Used by `outcall rules test` and the admin API. Strict: an unknown namespace or field, or a value
/// of the wrong type, is an error, so a typo cannot silently test the zero value instead.
/// </summary>
public static class EvaluationContextJson
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 8, CommentHandling = JsonCommentHandling.Disallow };

    /// <summary>Parses <paramref name="json"/>; throws <see cref="FormatException"/> (never echoing values) when it does not fit.</summary>
    public static EvaluationContext Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, Options);
        }
        catch (JsonException e)
        {
            throw new FormatException($"context is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new FormatException("context must be a JSON object of namespaces");
            var fields = new Fields();
            foreach (var space in root.EnumerateObject())
            {
                if (space.Value.ValueKind != JsonValueKind.Object)
                    throw new FormatException($"context namespace {LoadDiagnostics.Quote(space.Name)} must be an object");
                foreach (var field in space.Value.EnumerateObject()) fields.Set(space.Name, field);
            }
            return fields.ToContext();
        }
    }

    private sealed class Fields
    {
        private readonly Dictionary<string, JsonElement> _values = new(StringComparer.Ordinal);

        public void Set(string space, JsonProperty field)
        {
            var name = $"{space}.{field.Name}";
            var slot = EvaluationContext.Environment.SlotOf(name);
            if (slot < 0) throw new FormatException($"unknown context field {LoadDiagnostics.Quote(name)}");
            if (!_values.TryAdd(name, field.Value)) throw new FormatException($"context field '{name}' is given twice");
        }

        public EvaluationContext ToContext() => new()
        {
            NetworkHostname = Text("network.hostname", ""),
            NetworkIp = Text("network.ip", ""),
            NetworkPort = Integer("network.port"),
            NetworkProtocol = Text("network.protocol", "tcp"),
            HttpMethod = Text("http.method", ""),
            HttpPath = Text("http.path", ""),
            HttpHost = Text("http.host", ""),
            HttpHeaders = Map("http.headers", lowercaseKeys: true),
            HttpBodySize = Integer("http.body_size"),
            HttpScheme = Text("http.scheme", ""),
            AgentName = Text("agent.name", ""),
            DnsQuery = Text("dns.query", ""),
            DnsRecordType = RecordType(),
            DockerContainerId = Text("docker.container_id", ""),
            DockerContainerName = Text("docker.container_name", ""),
            DockerImage = Text("docker.image", ""),
            DockerLabels = Map("docker.labels", lowercaseKeys: false),
            DockerCommand = Strings("docker.command"),
            DockerVolumes = Strings("docker.volumes"),
            DockerEnvKeys = Strings("docker.env_keys"),
            DockerCapabilities = Strings("docker.capabilities"),
            RunId = Text("run.id", ""),
            RunTool = Text("run.tool", ""),
            RunCwd = Text("run.cwd", ""),
            RunArgs = Strings("run.args"),
            RunFlags = Strings("run.flags"),
            RunContext = DynamicMap("run.context"),
        };

        // dns.type is the older name of dns.record_type: one value, so giving both is ambiguous.
        private string RecordType()
        {
            if (_values.ContainsKey("dns.type") && _values.ContainsKey("dns.record_type"))
                throw new FormatException("context fields 'dns.type' and 'dns.record_type' are the same variable; give one");
            return _values.ContainsKey("dns.type") ? Text("dns.type", "") : Text("dns.record_type", "");
        }

        private string Text(string name, string zero)
        {
            if (!_values.TryGetValue(name, out var value)) return zero;
            return value.ValueKind == JsonValueKind.String ? value.GetString()! : throw new FormatException($"context field '{name}' must be a string");
        }

        private long Integer(string name)
        {
            if (!_values.TryGetValue(name, out var value)) return 0;
            return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number)
                ? number
                : throw new FormatException($"context field '{name}' must be an integer");
        }

        private IReadOnlyList<string> Strings(string name)
        {
            if (!_values.TryGetValue(name, out var value)) return [];
            if (value.ValueKind != JsonValueKind.Array) throw new FormatException($"context field '{name}' must be an array of strings");
            var items = new List<string>(value.GetArrayLength());
            foreach (var item in value.EnumerateArray())
                items.Add(item.ValueKind == JsonValueKind.String
                    ? item.GetString()!
                    : throw new FormatException($"context field '{name}' item {items.Count} must be a string"));
            return items;
        }

        private IReadOnlyDictionary<object, object?> DynamicMap(string name)
        {
            if (!_values.TryGetValue(name, out var value)) return EvaluationContext.EmptyDynMap;
            if (value.ValueKind != JsonValueKind.Object) throw new FormatException($"context field '{name}' must be an object");
            return (IReadOnlyDictionary<object, object?>)Dynamic(name, value)!;
        }

        // JSON to CEL values: integers that fit are int, other numbers double; objects are map(string, dyn).
        // Depth is bounded by the document's MaxDepth.
        private static object? Dynamic(string name, JsonElement value)
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.String: return value.GetString();
                case JsonValueKind.Number: return value.TryGetInt64(out var integer) ? integer : value.GetDouble();
                case JsonValueKind.True: return true;
                case JsonValueKind.False: return false;
                case JsonValueKind.Null: return null;
                case JsonValueKind.Array: return value.EnumerateArray().Select(item => Dynamic(name, item)).ToArray();
                default:
                    var map = new Dictionary<object, object?>();
                    foreach (var entry in value.EnumerateObject())
                        if (!map.TryAdd(entry.Name, Dynamic(name, entry.Value)))
                            throw new FormatException($"context field '{name}' has entry {LoadDiagnostics.Quote(entry.Name)} twice");
                    return map;
            }
        }

        // Header names are lowercased to keep EvaluationContext's invariant; two spellings of one name are an error.
        private IReadOnlyDictionary<string, string> Map(string name, bool lowercaseKeys)
        {
            if (!_values.TryGetValue(name, out var value)) return EvaluationContext.EmptyMap;
            if (value.ValueKind != JsonValueKind.Object) throw new FormatException($"context field '{name}' must be an object of strings");
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var entry in value.EnumerateObject())
            {
                var key = lowercaseKeys ? entry.Name.ToLowerInvariant() : entry.Name;
                if (entry.Value.ValueKind != JsonValueKind.String)
                    throw new FormatException($"context field '{name}' entry {LoadDiagnostics.Quote(key)} must be a string");
                if (!map.TryAdd(key, entry.Value.GetString()!))
                    throw new FormatException($"context field '{name}' has entry {LoadDiagnostics.Quote(key)} twice");
            }
            return map;
        }
    }
}
