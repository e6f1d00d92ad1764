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
public sealed record DestinationCheck(DestinationStatus Status, IReadOnlyList<IPEndPoint> Endpoints, string? Reason);

public enum AddressCategory
{
    Public, Unspecified, Loopback, Private, LinkLocal, SharedAddressSpace, Multicast, Broadcast,
    Documentation, Benchmarking, Reserved, UniqueLocal, Ipv4Mapped, Ipv4Compatible, SixToFour, Nat64, Teredo,
    ProtocolAssignments, ProxyItself,
}

/// <summary>The system resolver (FR-019), with a bound on time.</summary>
public sealed class SystemHostResolver : IHostResolver
{
    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) => throw new NotImplementedException();
}

public static class AddressClassifier
{
    /// <summary>The most specific category of an address; only Public may be dialled without opt-in.</summary>
    public static AddressCategory Classify(IPAddress address) => throw new NotImplementedException();
}

public static class HostLiteral
{
    /// <summary>
    /// True when <paramref name="host"/> is an IP literal in any form a resolver would accept as one
    /// (dotted quad, IPv6 without brackets, and the odd inet_aton forms 2130706433, 0x7f.1, 0177.0.0.1,
    /// 127.1), with the address it denotes.
    /// </summary>
    public static bool TryParse(string host, out IPAddress address) => throw new NotImplementedException();
}

/// <summary>
/// FR-026 / EC-016: resolve once, classify every address, return only checked endpoints. Refuses every
/// non-public category, and the proxy's own listen endpoints, unless the matched rule opted in with
/// egress.allow_private_ips (the proxy's own endpoints are refused even then).
/// </summary>
public sealed class DestinationGuard
{
    public DestinationGuard(IHostResolver resolver, IReadOnlyList<IPEndPoint> proxyEndpoints) => throw new NotImplementedException();

    public Task<DestinationCheck> CheckAsync(string host, int port, bool allowPrivateIps, CancellationToken cancellationToken)
        => throw new NotImplementedException();
}
