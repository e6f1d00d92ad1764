using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Outcall.Rules;
using Outcall.Telemetry;

namespace Outcall.Host.Admin;

/// <summary>The data of the admin API's answers, in the S003 shapes (snake_case on the wire).</summary>
public static class AdminViews
{
    public sealed record ProxyStatus(bool Listening, string ListenAddress, long ActiveConnections, long ActiveTunnels, long TotalRequests, long TotalBlocked);

    /// <summary>S011-IF-012: the CA's SHA-256 fingerprint (as `ca status` prints it) and the leaf cache; null and zeros without a CA.</summary>
    public sealed record InterceptStatus(bool CaLoaded, string? FingerprintSha256, int LeafCacheSize, int LeafCacheMax);

    /// <summary>IF-002 row. The preview is the condition as written, on one line; hits and last hit are this node's (issue 15).</summary>
    public sealed record RuleSummary(string Id, string File, string Action, int Priority, string ConditionPreview, string? Description, long Hits,
        DateTimeOffset? LastHit)
    {
        public static RuleSummary Of(CompiledRule rule, RuleHitCount hits) =>
            new(rule.Id, rule.File, ActionName(rule.Action), rule.Priority, string.Join(' ', rule.Condition.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)),
                rule.Description, hits.Hits, hits.LastHit);
    }

    /// <summary>IF-003, plus where the rule is written and its egress flag.</summary>
    public sealed record RuleDetail(string Id, string File, int Line, string Action, int Priority, bool Log, string? Description, string Condition,
        bool AllowPrivateIps)
    {
        public static RuleDetail Of(CompiledRule rule) => new(rule.Id, rule.File, rule.Line, ActionName(rule.Action), rule.Priority, rule.Log,
            rule.Description, rule.ExpandedCondition, rule.AllowPrivateIps);
    }

    /// <summary>
    /// IF-004. <see cref="FilesLoaded"/> and <see cref="RulesLoaded"/> count what this reload put in
    /// force (0 when refused); <see cref="RuleCount"/> and <see cref="Hash"/> describe the set active after it.
    /// </summary>
    public sealed record Reload(bool Succeeded, int FilesLoaded, int RulesLoaded, IReadOnlyList<string> Warnings, int RuleCount, string Hash,
        IReadOnlyList<string> Errors)
    {
        public static Reload Of(RuleEngine.ReloadResult reload) => new(reload.Succeeded,
            reload.Succeeded ? reload.Load.Files.Count : 0, reload.Succeeded ? reload.Active.Rules.Count : 0,
            reload.Load.Warnings.Select(w => w.ToString()).ToList(), reload.Active.Rules.Count, reload.Active.ContentHash,
            reload.Load.Errors.Select(e => e.ToString()).ToList());

        /// <summary>`reload failed: FILE:LINE:COLUMN rule "ID": MESSAGE. Previous rules remain active.` for the first problem.</summary>
        public static string FailureText(RuleLoadResult load)
        {
            if (load.Errors.Count == 0) return "reload failed. Previous rules remain active.";
            var first = load.Errors[0];
            var where = first.File + (first.Line > 0 ? $":{first.Line}" : "") + (first.Column > 0 ? $":{first.Column}" : "");
            var rule = first.RuleId is null ? "" : $" rule {JsonQuoted(first.RuleId)}";
            var more = load.Errors.Count > 1 ? $" (and {load.Errors.Count - 1} more error(s))" : "";
            return $"reload failed: {where}{rule}: {first.Message.TrimEnd('.')}{more}. Previous rules remain active.";
        }
    }

    /// <summary>S003-IF-001, plus the reason the proxy would log.</summary>
    public sealed record Evaluation(string Decision, string? MatchedRule, string? File, bool Logged, string Reason)
    {
        public static Evaluation Of(Verdict verdict) =>
            new(ActionName(verdict.Decision), verdict.RuleId, verdict.File, verdict.Logged, verdict.Reason);
    }

    /// <summary>IF-005: the expression's value, or false and the error.</summary>
    public sealed record TestResult(JsonNode? Result, string? Error);

    private static string ActionName(RuleAction action) => action == RuleAction.Allow ? "allow" : "block";

    private static readonly JsonSerializerOptions QuoteJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Text in double quotes, escaped as a JSON string (`rule not found: "x"`).</summary>
    public static string JsonQuoted(string text) => JsonSerializer.Serialize(text, QuoteJson);

    /// <summary>A CEL value as JSON: maps by their keys' text, bytes as base64, non-finite doubles as text.</summary>
    public static JsonNode? CelJson(object? value) => value switch
    {
        null => null,
        bool b => JsonValue.Create(b),
        long l => JsonValue.Create(l),
        ulong u => JsonValue.Create(u),
        double d when double.IsFinite(d) => JsonValue.Create(d),
        double d => JsonValue.Create(d.ToString(CultureInfo.InvariantCulture)),
        string s => JsonValue.Create(s),
        byte[] bytes => JsonValue.Create(Convert.ToBase64String(bytes)),
        IReadOnlyDictionary<string, string> map => new JsonObject(map.Select(e => KeyValuePair.Create(e.Key, (JsonNode?)JsonValue.Create(e.Value)))),
        IReadOnlyDictionary<object, object?> map => MapJson(map),
        System.Collections.IEnumerable list => new JsonArray(list.Cast<object?>().Select(CelJson).ToArray()),
        _ => JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)),
    };

    // Keys of different types may print alike (1 and "1"); the first one wins rather than throwing.
    private static JsonObject MapJson(IReadOnlyDictionary<object, object?> map)
    {
        var json = new JsonObject();
        foreach (var (key, item) in map) json.TryAdd(Convert.ToString(key, CultureInfo.InvariantCulture) ?? "null", CelJson(item));
        return json;
    }
}
