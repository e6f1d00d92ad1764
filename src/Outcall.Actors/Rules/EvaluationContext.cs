using Outcall.Rules.Cel;

namespace Outcall.Rules;

/// <summary>
/// The request as rules see it (FR-007 / IF-007, Outcall S003-IF-013). Every variable of Outcall's
/// context is declared, so any Outcall rule file type-checks; namespaces a request lacks keep their
/// zero values ("" / 0 / empty list / empty map), so conditions on them are simply false. Hostnames are
/// compared as given: the proxy lowercases them before building the context.
/// </summary>
public sealed record EvaluationContext : ICelActivation
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
    /// <summary>"http" for a plain proxied request, "" for a CONNECT (whose bytes the proxy does not read).</summary>
    public string HttpScheme { get; init; } = "";
    public string AgentName { get; init; } = "";
    public string DnsQuery { get; init; } = "";
    /// <summary>`dns.record_type`; `dns.type` (the name rule files used before S003-IF-013) reads the same value.</summary>
    public string DnsRecordType { get; init; } = "";
    public string DockerContainerId { get; init; } = "";
    public string DockerContainerName { get; init; } = "";
    public string DockerImage { get; init; } = "";
    public IReadOnlyDictionary<string, string> DockerLabels { get; init; } = EmptyMap;
    public IReadOnlyList<string> DockerCommand { get; init; } = [];
    public IReadOnlyList<string> DockerVolumes { get; init; } = [];
    /// <summary>Environment variable names only, never values.</summary>
    public IReadOnlyList<string> DockerEnvKeys { get; init; } = [];
    public IReadOnlyList<string> DockerCapabilities { get; init; } = [];
    public string RunId { get; init; } = "";
    public string RunTool { get; init; } = "";
    public string RunCwd { get; init; } = "";
    public IReadOnlyList<string> RunArgs { get; init; } = [];
    /// <summary>Flags including their dashes, e.g. "-f".</summary>
    public IReadOnlyList<string> RunFlags { get; init; } = [];
    /// <summary>map(string, dyn): keys are strings; values are CEL values (string, long, double, bool, null, lists, maps).</summary>
    public IReadOnlyDictionary<object, object?> RunContext { get; init; } = EmptyDynMap;

    public static readonly IReadOnlyDictionary<string, string> EmptyMap = new Dictionary<string, string>();
    public static readonly IReadOnlyDictionary<object, object?> EmptyDynMap = new Dictionary<object, object?>();

    private static readonly CelType Strings = CelType.ListOf(CelType.String);

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
        new("http.scheme", CelType.String), new("dns.record_type", CelType.String),
        new("docker.command", Strings), new("docker.volumes", Strings),
        new("docker.env_keys", Strings), new("docker.capabilities", Strings),
        new("run.tool", CelType.String), new("run.cwd", CelType.String),
        new("run.args", Strings), new("run.flags", Strings),
        new("run.context", CelType.MapOf(CelType.String, CelType.Dyn)),
    ]);

    public const int HostnameSlot = 0;

    // Lists of strings are handed out as they are: IReadOnlyList<string> is an IReadOnlyList<object?>
    // by covariance, which is what CEL's list operations take.
    public object? GetVariable(int slot) => slot switch
    {
        0 => NetworkHostname,
        1 => NetworkIp,
        2 => _networkPort,
        3 => NetworkProtocol,
        4 => HttpMethod,
        5 => HttpPath,
        6 => HttpHost,
        7 => HttpHeaders,
        8 => _httpBodySize,
        9 => AgentName,
        10 => DnsQuery,
        11 => DnsRecordType,
        12 => DockerContainerId,
        13 => DockerContainerName,
        14 => DockerImage,
        15 => DockerLabels,
        16 => RunId,
        17 => HttpScheme,
        18 => DnsRecordType,
        19 => DockerCommand,
        20 => DockerVolumes,
        21 => DockerEnvKeys,
        22 => DockerCapabilities,
        23 => RunTool,
        24 => RunCwd,
        25 => RunArgs,
        26 => RunFlags,
        27 => RunContext,
        _ => throw new ArgumentOutOfRangeException(nameof(slot)),
    };

    // A record would print every value; a context carries header values, which are never logged.
    public override string ToString() => $"EvaluationContext {{ {HttpMethod} {NetworkHostname}:{NetworkPort} }}";
}
