using System.Net;
using System.Net.Sockets;

namespace Outcall.Egress;

/// <summary>
/// FR-026 / EC-016: resolve once, classify every address, return only checked endpoints. Refuses every
/// non-public category, and the proxy's own listen endpoints, unless the matched rule opted in with
/// egress.allow_private_ips (the proxy's own endpoints are refused even then).
/// </summary>
/// <remarks>
/// <para>A name is resolved exactly once; the caller dials the returned endpoints and nothing else, so a
/// second, different answer (DNS rebinding) can never be dialled. If any address of the answer is not
/// public the whole request is refused: a mixed answer is how rebinding attacks pick their moment.</para>
/// <para>The host is expected without brackets, but one pair around an IPv6 literal is tolerated. Names
/// must pass <see cref="HostName"/> (the same rule the request parser applies): anything else is refused
/// rather than handed to a resolver that might read it differently. A name whose labels are all decimal
/// or 0x-hex but which is not a valid <see cref="HostLiteral"/> (1.2.3.4.5, 0x, 08.0.0.1, 256.0.0.1) is
/// refused as an invalid numeric host, because libc resolvers interpret such strings in their own ways.</para>
/// <para>The proxy-itself check compares after unmapping IPv4-mapped addresses and treats every address
/// that reaches this host (loopback, 0.0.0.0/8, ::) as equal when the listen address is loopback or
/// unspecified. It cannot see the proxy's own interface addresses behind an unspecified listen address;
/// those are private in practice and so refused unless a rule opts in. Pass the endpoints the listener
/// actually bound (not a configured port 0).</para>
/// </remarks>
public sealed class DestinationGuard
{
    private readonly IHostResolver _resolver;
    private readonly IPEndPoint[] _proxyEndpoints;

    public DestinationGuard(IHostResolver resolver, IReadOnlyList<IPEndPoint> proxyEndpoints)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        ArgumentNullException.ThrowIfNull(proxyEndpoints);
        _resolver = resolver;
        _proxyEndpoints = [.. proxyEndpoints.Select(e => new IPEndPoint(Unmapped(e.Address), e.Port))];
    }

    public async Task<DestinationCheck> CheckAsync(string host, int port, bool allowPrivateIps, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        cancellationToken.ThrowIfCancellationRequested();
        if (port is < 1 or > IPEndPoint.MaxPort)
        {
            return Forbidden("invalid destination port");
        }

        if (TryParseLiteral(host, out var literal))
        {
            return Check(host, isLiteral: true, [literal], port, allowPrivateIps);
        }

        switch (HostName.TryCanonicalize(host, out _))
        {
            case HostNameProblem.Malformed:
                return Forbidden("invalid host name");
            case HostNameProblem.Numeric:
                return Forbidden("invalid numeric host");
        }

        IPAddress[] addresses;
        try
        {
            addresses = await _resolver.ResolveAsync(host, cancellationToken).ConfigureAwait(false);
        }
        catch (HostResolutionException e)
        {
            return ResolutionFailed($"DNS resolution failed for {host}: {e.Message}");
        }

        return addresses is null || addresses.Length == 0
            ? ResolutionFailed($"DNS resolution failed for {host}: no addresses")
            : Check(host, isLiteral: false, addresses, port, allowPrivateIps);
    }

    private DestinationCheck Check(string host, bool isLiteral, IPAddress[] addresses, int port, bool allowPrivateIps)
    {
        var endpoints = new List<IPEndPoint>(addresses.Length);
        foreach (var address in addresses)
        {
            if (IsProxyItself(address, port))
            {
                return Forbidden("destination is the proxy itself") with { AddressClass = "the proxy itself" };
            }

            var category = AddressClassifier.Classify(address);
            if (category != AddressCategory.Public && !allowPrivateIps)
            {
                return Forbidden(isLiteral
                    ? $"destination {host} is {Describe(category)}"
                    : $"destination {host} resolves to a non-public address ({Describe(category)})") with
                { AddressClass = Describe(category) };
            }

            var endpoint = new IPEndPoint(address, port);
            if (!endpoints.Contains(endpoint))
            {
                endpoints.Add(endpoint);
            }
        }

        return new DestinationCheck(DestinationStatus.Allowed, endpoints, null);
    }

    private bool IsProxyItself(IPAddress address, int port)
    {
        var target = Unmapped(address);
        foreach (var listen in _proxyEndpoints)
        {
            if (listen.Port != port)
            {
                continue;
            }

            if (listen.Address.Equals(target)
                || (ReachesThisHost(target) && ReachesThisHost(listen.Address)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Loopback, and the unspecified addresses, which Linux routes to this host when dialled.</summary>
    private static bool ReachesThisHost(IPAddress address) => AddressClassifier.Classify(address) is
        AddressCategory.Loopback or AddressCategory.Unspecified;

    private static IPAddress Unmapped(IPAddress address) =>
        address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static bool TryParseLiteral(string host, out IPAddress address)
    {
        var bare = host.Length > 2 && host[0] == '[' && host[^1] == ']' ? host[1..^1] : host;
        return HostLiteral.TryParse(bare, out address) && (bare == host || address.AddressFamily == AddressFamily.InterNetworkV6);
    }

    private static string Describe(AddressCategory category) => category switch
    {
        AddressCategory.Unspecified => "unspecified",
        AddressCategory.Loopback => "loopback",
        AddressCategory.Private => "private",
        AddressCategory.LinkLocal => "link-local",
        AddressCategory.SharedAddressSpace => "shared address space (CGNAT)",
        AddressCategory.Multicast => "multicast",
        AddressCategory.Broadcast => "broadcast",
        AddressCategory.Documentation => "documentation",
        AddressCategory.Benchmarking => "benchmarking",
        AddressCategory.UniqueLocal => "unique local",
        AddressCategory.Ipv4Mapped => "IPv4-mapped IPv6",
        AddressCategory.Ipv4Compatible => "IPv4-compatible IPv6",
        AddressCategory.SixToFour => "6to4",
        AddressCategory.Nat64 => "NAT64",
        AddressCategory.Teredo => "Teredo",
        AddressCategory.ProtocolAssignments => "IETF protocol assignments",
        AddressCategory.Reserved => "reserved",
        _ => "not public",
    };

    private static DestinationCheck Forbidden(string reason) => new(DestinationStatus.Forbidden, [], reason);

    private static DestinationCheck ResolutionFailed(string reason) => new(DestinationStatus.ResolutionFailed, [], reason);
}
