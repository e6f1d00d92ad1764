// CONTRACT FILE: the public surface of the rule engine's pure part, relied on by Proxy/ and the CLI.
// The rules work replaces the NotImplementedException bodies and may split types into their own
// files, but must keep these names and signatures.
using Outcall.Rules.Cel;

namespace Outcall.Rules;

public enum RuleAction { Allow, Block }

/// <summary>The answer for one request: what to do, which rule said so, and why (IF-004 reason).</summary>
/// <param name="Mode">For an allowed CONNECT: tunnel it, or intercept it (issue 14).</param>
public sealed record Verdict(RuleAction Decision, string? RuleId, string? File, string Reason, bool Logged, bool AllowPrivateIps, EgressMode Mode = EgressMode.Proxy)
{
    public bool IsAllowed => Decision == RuleAction.Allow;
    /// <summary>EC-008: what every failure to judge turns into. Never configurable.</summary>
    public static readonly Verdict EngineUnavailable = new(RuleAction.Block, null, null, "rule engine unavailable", false, false);
}

/// <summary>A condition that could not be judged at run time (error or non-boolean): a non-match plus this warning.</summary>
public sealed record RuleWarning(string RuleId, string File, string Message);

public sealed record RuleEvaluation(Verdict Verdict, IReadOnlyList<RuleWarning> Warnings);

/// <summary>
/// The request as rules see it (FR-007 / IF-007). Namespaces a request lacks keep their zero values
/// ("" / 0 / empty map), so conditions on them are simply false. Hostnames are compared as given:
/// the proxy lowercases them before building the context.
/// </summary>
public sealed class EvaluationContext : ICelActivation
{
    public string NetworkHostname { get; init; } = "";
    public string NetworkIp { get; init; } = "";
    // The two ints are boxed once, when set: GetVariable runs once per rule, and boxing there would
    // allocate on every evaluation.
    private static readonly object BoxedZero = 0L;
    private readonly object _networkPort = BoxedZero, _httpBodySize = BoxedZero;

    public long NetworkPort { get => (long)_networkPort; init => _networkPort = value; }
    public string NetworkProtocol { get; init; } = "tcp";
    public string HttpMethod { get; init; } = "";
    public string HttpPath { get; init; } = "";
    public string HttpHost { get; init; } = "";
    /// <summary>Header names lowercased; repeated fields joined with ", ".</summary>
    public IReadOnlyDictionary<string, string> HttpHeaders { get; init; } = EmptyMap;
    public long HttpBodySize { get => (long)_httpBodySize; init => _httpBodySize = value; }
    /// <summary>"http" for a plain request, "https" inside an intercepted tunnel, "" for a CONNECT (issue 14).</summary>
    public string HttpScheme { get; init; } = "";
    public string AgentName { get; init; } = "";
    public string DnsQuery { get; init; } = "";
    public string DnsType { get; init; } = "";
    public string DockerContainerId { get; init; } = "";
    public string DockerContainerName { get; init; } = "";
    public string DockerImage { get; init; } = "";
    public IReadOnlyDictionary<string, string> DockerLabels { get; init; } = EmptyMap;
    public string RunId { get; init; } = "";

    public static readonly IReadOnlyDictionary<string, string> EmptyMap = new Dictionary<string, string>();

    /// <summary>The schema conditions are type-checked against; slot order matches GetVariable.</summary>
    public static CelEnvironment Environment { get; } = CelEnvironment.Create(
    [
        new("network.hostname", CelType.String), new("network.ip", CelType.String),
        new("network.port", CelType.Int), new("network.protocol", CelType.String),
        new("http.method", CelType.String), new("http.path", CelType.String), new("http.host", CelType.String),
        new("http.headers", CelType.MapOf(CelType.String, CelType.String)), new("http.body_size", CelType.Int),
        new("agent.name", CelType.String),
        new("dns.query", CelType.String), new("dns.type", CelType.String),
        new("docker.container_id", CelType.String), new("docker.container_name", CelType.String),
        new("docker.image", CelType.String), new("docker.labels", CelType.MapOf(CelType.String, CelType.String)),
        new("run.id", CelType.String),
        new("http.scheme", CelType.String),
    ]);

    public const int HostnameSlot = 0;

    public object? GetVariable(int slot) => slot switch
    {
        0 => NetworkHostname, 1 => NetworkIp, 2 => _networkPort, 3 => NetworkProtocol,
        4 => HttpMethod, 5 => HttpPath, 6 => HttpHost, 7 => HttpHeaders, 8 => _httpBodySize,
        9 => AgentName, 10 => DnsQuery, 11 => DnsType, 12 => DockerContainerId, 13 => DockerContainerName,
        14 => DockerImage, 15 => DockerLabels, 16 => RunId, 17 => HttpScheme,
        _ => throw new ArgumentOutOfRangeException(nameof(slot)),
    };
}

/// <summary>A load problem, located as precisely as known (Line/Column 0 when unknown).</summary>
public sealed record RuleLoadError(string File, int Line, int Column, string? RuleId, string Message)
{
    public override string ToString() =>
        $"{File}{(Line > 0 ? $":{Line}" : "")}{(Column > 0 ? $":{Column}" : "")}{(RuleId is null ? "" : $" rule '{RuleId}'")}: {Message}";
}

public sealed record RuleLoadWarning(string File, int Line, string Message)
{
    public override string ToString() => $"{File}{(Line > 0 ? $":{Line}" : "")}: {Message}";
}

/// <summary>One rule as loaded: its source condition (definitions expanded) and compiled program.</summary>
public sealed record CompiledRule(
    string Id, string File, int Line, RuleAction Action, int Priority, bool Log, string? Description,
    bool AllowPrivateIps, string Condition, string ExpandedCondition, CelProgram Program, EgressMode Mode = EgressMode.Proxy);

// RuleSet lives in RuleSet.cs.

public sealed record RuleLoadResult(RuleSet? RuleSet, IReadOnlyList<RuleLoadError> Errors, IReadOnlyList<RuleLoadWarning> Warnings)
{
    public bool Succeeded => RuleSet is not null && Errors.Count == 0;
    /// <summary>The rule file names that were read, in load order (for summaries such as `rules check`).</summary>
    public IReadOnlyList<string> Files { get; init; } = [];
    /// <summary>The files that were read, as read (what a cluster replicates); empty when nothing was read.</summary>
    public IReadOnlyList<RuleFile> Sources { get; init; } = [];
}

// RuleSetLoader lives in RuleSetLoader.cs.
