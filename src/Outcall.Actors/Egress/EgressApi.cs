// CONTRACT FILE: the public surface of name resolution and the destination guard (FR-019, FR-026).
// Pure code apart from DNS: no actors. Keep these names and signatures.
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

public enum DestinationStatus { Allowed, Forbidden, ResolutionFailed }

/// <summary>
/// Allowed: connect to Endpoints, in order, and to nothing else (no second lookup). Forbidden: the 403
/// reason says which address class was refused. ResolutionFailed: the 502 reason says it was DNS.
/// </summary>
public sealed record DestinationCheck(DestinationStatus Status, IReadOnlyList<IPEndPoint> Endpoints, string? Reason)
{
    /// <summary>Forbidden for its address: the class refused ("loopback", "private", ..., "the proxy itself"), for explanations.</summary>
    public string? AddressClass { get; init; }
}

public enum AddressCategory
{
    Public, Unspecified, Loopback, Private, LinkLocal, SharedAddressSpace, Multicast, Broadcast,
    Documentation, Benchmarking, Reserved, UniqueLocal, Ipv4Mapped, Ipv4Compatible, SixToFour, Nat64, Teredo,
    ProtocolAssignments, ProxyItself,
}

// The implementations live in their own files (house style: one main type per file):
// SystemHostResolver.cs, AddressClassifier.cs, HostLiteral.cs, DestinationGuard.cs.
