using Outcall.Rules;

namespace Outcall.Tests.Rules;

internal static class Requests
{
    public static EvaluationContext To(string hostname, string method = "GET", string path = "/", long port = 443,
        IReadOnlyDictionary<string, string>? headers = null) => new()
        {
            NetworkHostname = hostname, NetworkPort = port, HttpMethod = method, HttpPath = path, HttpHost = hostname,
            HttpHeaders = headers ?? EvaluationContext.EmptyMap,
        };
}
