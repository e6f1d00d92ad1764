using Outcall.Rules;
using Outcall.Rules.Cel;

namespace Outcall.Tests.Cel;

/// <summary>A request as the rules schema sees it (FR-007 / IF-007), with fixed values the specs refer to.</summary>
internal static class CelTestContext
{
    public static readonly EvaluationContext Request = new()
    {
        NetworkHostname = "api.github.com",
        NetworkIp = "140.82.112.6",
        NetworkPort = 443,
        NetworkProtocol = "tcp",
        HttpMethod = "GET",
        HttpPath = "/repos/x",
        HttpHost = "api.github.com",
        HttpHeaders = new Dictionary<string, string> { ["user-agent"] = "curl/8.0", ["accept"] = "*/*" },
        AgentName = "claude",
        DockerLabels = new Dictionary<string, string> { ["team"] = "infra" },
        RunId = "run-1",
    };

    public static CelProgram Compile(string source) => CelCompiler.Compile(source, EvaluationContext.Environment);

    public static EvaluationContext WithHostname(string hostname) => new() { NetworkHostname = hostname, NetworkPort = 443, HttpMethod = "GET" };
}
