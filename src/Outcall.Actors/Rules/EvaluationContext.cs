using Outcall.Rules.Cel;

namespace Outcall.Rules;

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
    ]);

    public const int HostnameSlot = 0;

    public object? GetVariable(int slot) => slot switch
    {
        0 => NetworkHostname, 1 => NetworkIp, 2 => _networkPort, 3 => NetworkProtocol,
        4 => HttpMethod, 5 => HttpPath, 6 => HttpHost, 7 => HttpHeaders, 8 => _httpBodySize,
        9 => AgentName, 10 => DnsQuery, 11 => DnsType, 12 => DockerContainerId, 13 => DockerContainerName,
        14 => DockerImage, 15 => DockerLabels, 16 => RunId,
        _ => throw new ArgumentOutOfRangeException(nameof(slot)),
    };
}
