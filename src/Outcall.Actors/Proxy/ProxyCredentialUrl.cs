namespace Outcall.Proxy;

/// <summary>
/// The proxy URL an agent's container is given when it authenticates to the proxy (S006 FR-014,
/// generation A): `http://AGENT:TOKEN@ADDR:PORT`, which curl, Python, Node and git all turn into
/// `Proxy-Authorization: Basic ...`. Name and token are percent-encoded, so a token with `@`, `:` or
/// `/` stays one userinfo. For `outcall env --agent NAME`.
/// </summary>
public static class ProxyCredentialUrl
{
    /// <param name="proxyUrl">The plain proxy URL, `http://ADDR:PORT` (already validated).</param>
    /// <param name="problem">Why there is no URL: the agent has no token, or only its hash is configured.</param>
    public static bool TryBuild(string proxyUrl, AgentDirectory identity, string agent, out string url, out string problem)
    {
        url = "";
        problem = "";
        const string scheme = "http://";
        if (!proxyUrl.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) || proxyUrl.Contains('@'))
        {
            problem = $"the proxy URL must be http://ADDR:PORT without credentials, got '{proxyUrl}'";
            return false;
        }
        if (!identity.Tokens.TryGetValue(agent, out var token))
        {
            problem = $"agent '{agent}' has no token in outcall.identity.tokens";
            return false;
        }
        if (token.PlainText is null)
        {
            problem = $"the token of agent '{agent}' is configured as a hash (sha256:...), which cannot be turned back into the token; give the agent its token yourself";
            return false;
        }
        url = $"{scheme}{Uri.EscapeDataString(agent)}:{Uri.EscapeDataString(token.PlainText)}@{proxyUrl[scheme.Length..]}";
        return true;
    }
}
