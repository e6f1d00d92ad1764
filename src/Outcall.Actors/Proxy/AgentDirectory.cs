using System.Net;
using Akka.Configuration;
using Outcall.Http;

namespace Outcall.Proxy;

/// <summary>Who sent a request: the agent rules and logs see, or why the request is refused with 407.</summary>
public readonly record struct AgentIdentity(string Agent, string? AuthenticationProblem);

/// <summary>
/// The `outcall.identity` section: which client addresses belong to which agent (agent.name in rules
/// and logs). The most specific network wins; an address in none is the unknown agent "". With
/// require-known-agent, unknown clients are refused before any evaluation. Agents with a token in
/// `tokens` may also name themselves with Proxy-Authorization (S006 FR-014, generation A), which
/// overrides the network map; require-proxy-auth makes that credential mandatory.
/// </summary>
public sealed class AgentDirectory
{
    private readonly (IPNetwork Network, string Name)[] _networks;

    public bool RequireKnownAgent { get; }

    /// <summary>on: every proxied request and CONNECT needs a valid credential, or it gets 407.</summary>
    public bool RequireProxyAuth { get; }

    /// <summary>The configured agent tokens, by agent name.</summary>
    public IReadOnlyDictionary<string, AgentToken> Tokens { get; }

    public ProxyAuthenticator Authenticator { get; }

    /// <summary>Agents in observe mode (`observe-agents`, issue 15): what the rules block for them is let through as WOULD_BLOCK.</summary>
    public IReadOnlySet<string> ObserveAgents { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    public AgentDirectory(IEnumerable<(IPNetwork Network, string Name)> networks, bool requireKnownAgent,
        IReadOnlyDictionary<string, AgentToken>? tokens = null, bool requireProxyAuth = false)
    {
        // Longest prefix first, so the first hit is the most specific.
        _networks = networks.OrderByDescending(n => n.Network.PrefixLength).ToArray();
        RequireKnownAgent = requireKnownAgent;
        Tokens = tokens ?? new Dictionary<string, AgentToken>();
        Authenticator = new ProxyAuthenticator(Tokens);
        if (requireProxyAuth && Tokens.Count == 0)
            throw new ConfigurationException("outcall.identity.require-proxy-auth = on needs at least one agent in outcall.identity.tokens");
        RequireProxyAuth = requireProxyAuth;
    }

    public static AgentDirectory Create(Config config)
    {
        var section = OutcallConfig.WithDefaults(config).GetConfig("outcall.identity");
        var networks = new List<(IPNetwork, string)>();
        var agents = section.GetConfig("agents");
        if (agents is not null && !agents.IsEmpty)
        {
            foreach (var (name, _) in agents.AsEnumerable())
            {
                foreach (var cidr in agents.GetStringList(name))
                {
                    if (!IPNetwork.TryParse(cidr, out var network))
                        throw new ConfigurationException($"outcall.identity.agents.{name}: '{cidr}' is not a CIDR network (e.g. 172.17.0.2/32)");
                    networks.Add((network, name));
                }
            }
        }
        var tokens = ParseTokens(section.GetConfig("tokens"));
        return new AgentDirectory(networks, section.GetBoolean("require-known-agent"), tokens, section.GetBoolean("require-proxy-auth"))
        {
            ObserveAgents = ParseObserveAgents(section.GetStringList("observe-agents"), networks.Select(n => n.Item2).Concat(tokens.Keys)),
        };
    }

    /// <summary>Each name must be an agent this section defines: a typo would otherwise leave the agent enforced unnoticed.</summary>
    private static HashSet<string> ParseObserveAgents(IList<string> names, IEnumerable<string> known)
    {
        var defined = known.ToHashSet(StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (!defined.Contains(name))
                throw new ConfigurationException($"outcall.identity.observe-agents: '{name}' is not an agent of outcall.identity.agents or outcall.identity.tokens");
        }
        return names.ToHashSet(StringComparer.Ordinal);
    }

    private static Dictionary<string, AgentToken> ParseTokens(Config? tokens)
    {
        var parsed = new Dictionary<string, AgentToken>(StringComparer.Ordinal);
        if (tokens is null || tokens.IsEmpty) return parsed;
        foreach (var (name, value) in tokens.AsEnumerable())
        {
            var key = $"outcall.identity.tokens.{name}";
            // RFC 7617: the user-id of a Basic credential cannot contain a colon or control characters.
            if (name.Length == 0 || name.Contains(':') || name.Any(char.IsControl))
                throw new ConfigurationException($"{key}: an agent name with a token must be non-empty, without ':' or control characters");
            if (!value.IsString())
                throw new ConfigurationException($"{key}: the token must be a string (the token, or sha256:SALT:HEX)");
            parsed[name] = AgentToken.Parse(value.GetString(), key);
        }
        return parsed;
    }

    /// <summary>The agent a client address belongs to, or "" when unknown.</summary>
    public string NameOf(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        foreach (var (network, name) in _networks)
            if (network.Contains(address)) return name;
        return "";
    }

    /// <summary>
    /// The agent of one request: a valid credential names it; without tokens the field is ignored and the
    /// network's agent stands; a wrong credential is refused even when credentials are optional, since it
    /// claims an identity it cannot prove; a missing one is refused only with require-proxy-auth.
    /// </summary>
    public AgentIdentity Identify(string networkAgent, IReadOnlyList<HeaderField> headers)
    {
        if (!Authenticator.HasTokens) return new AgentIdentity(networkAgent, null);
        var credential = Authenticator.Authenticate(headers);
        return credential.Status switch
        {
            ProxyCredentialStatus.Valid => new AgentIdentity(credential.Agent, null),
            ProxyCredentialStatus.Absent when !RequireProxyAuth => new AgentIdentity(networkAgent, null),
            ProxyCredentialStatus.Absent => new AgentIdentity(networkAgent, "proxy authentication required"),
            _ => new AgentIdentity(networkAgent, "proxy authentication failed"),
        };
    }
}
