using System.Net;
using Akka.Configuration;

namespace Outcall.Proxy;

/// <summary>
/// The `outcall.identity` section: which client addresses belong to which agent (agent.name in rules
/// and logs). The most specific network wins; an address in none is the unknown agent "". With
/// require-known-agent, unknown clients are refused before any evaluation.
/// </summary>
public sealed class AgentDirectory
{
    private readonly (IPNetwork Network, string Name)[] _networks;

    public bool RequireKnownAgent { get; }

    public AgentDirectory(IEnumerable<(IPNetwork Network, string Name)> networks, bool requireKnownAgent)
    {
        // Longest prefix first, so the first hit is the most specific.
        _networks = networks.OrderByDescending(n => n.Network.PrefixLength).ToArray();
        RequireKnownAgent = requireKnownAgent;
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
        return new AgentDirectory(networks, section.GetBoolean("require-known-agent"));
    }

    /// <summary>The agent a client address belongs to, or "" when unknown.</summary>
    public string NameOf(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        foreach (var (network, name) in _networks)
            if (network.Contains(address)) return name;
        return "";
    }
}
