using System.Text.Json;

namespace Outcall.Cluster;

/// <summary>
/// What one node reports to the fleet: the rule set it enforces, the last replicated set it refused
/// (if any), a reload it could not replicate (if any), and its counters. Replicated as JSON text.
/// </summary>
public sealed record NodeStatus(
    string Address, string RuleSetHash, int RuleCount, DateTimeOffset RulesLoadedAt, string RulesFrom, string? RuleSetVersion,
    RejectedRuleSet? Rejected, string? NotReplicated, long ActiveConnections, long TotalRequests, long TotalBlocked, DateTimeOffset ReportedAt)
{
    private static readonly JsonSerializerOptions Json = new() { MaxDepth = 8 };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>A status another node published; null when it cannot be read (a newer format, corruption).</summary>
    public static NodeStatus? FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<NodeStatus>(json, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>A replicated set a node would not load: its version, hash and why (the first errors).</summary>
public sealed record RejectedRuleSet(string Version, string ContentHash, IReadOnlyList<string> Errors);
