using System.Net;

namespace Outcall.Egress;

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
