using Outcall.Egress;
using Outcall.Http;
using Outcall.Rules;
using Outcall.Tls;

namespace Outcall.Proxy;

/// <summary>Builds what rules see of a request (FR-007 / IF-007).</summary>
public static class RequestContext
{
    public static EvaluationContext For(RequestHead head, string agentName)
    {
        var isConnect = head.TargetForm == TargetForm.Authority;
        return new EvaluationContext
        {
            NetworkHostname = head.Host,
            NetworkIp = HostLiteral.TryParse(head.Host, out var address) ? address.ToString() : "",
            NetworkPort = head.Port,
            NetworkProtocol = "tcp",
            HttpMethod = head.Method.ToUpperInvariant(),
            HttpPath = isConnect ? "/" : head.Path,
            HttpHost = head.Authority,
            HttpHeaders = HeaderMap(head.Headers),
            HttpBodySize = isConnect || head.Framing != BodyFraming.ContentLength ? 0 : head.ContentLength,
            // A CONNECT's scheme is unknown until something reads inside the tunnel; a request inside an intercepted one is https.
            HttpScheme = isConnect ? "" : head.Scheme.Length > 0 ? head.Scheme : "http",
            AgentName = agentName,
        };
    }

    /// <summary>
    /// The second CONNECT evaluation (FR-005): the same request, judged by the SNI it carries. An IP-literal
    /// SNI is judged as that address (network.ip), never as the CONNECT's.
    /// </summary>
    public static EvaluationContext WithServerName(EvaluationContext connect, string serverName) =>
        connect with
        {
            NetworkHostname = serverName,
            NetworkIp = ServerNames.TryGetAddress(serverName, out var address) ? address.ToString() : connect.NetworkIp,
        };

    private static IReadOnlyDictionary<string, string> HeaderMap(IReadOnlyList<HeaderField> fields)
    {
        var map = new Dictionary<string, string>(fields.Count, StringComparer.Ordinal);
        foreach (var field in fields)
        {
            // The proxy's own credential (FR-014): consumed here, never forwarded, so rules never see it either.
            if (field.Name.Equals("Proxy-Authorization", StringComparison.OrdinalIgnoreCase)) continue;
            var name = field.Name.ToLowerInvariant();
            map[name] = map.TryGetValue(name, out var earlier) ? $"{earlier}, {field.Value}" : field.Value;
        }
        return map;
    }
}
