using System.Net;

namespace Outcall.Egress;

/// <summary>Thrown by resolvers when a name cannot be resolved (EC-003 needs to say so).</summary>
public sealed class HostResolutionException(string host, string message) : Exception(message)
{
    public string Host { get; } = host;
}

/// <summary>Injected so tests never need real DNS.</summary>
public interface IHostResolver
{
    Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken);
}
