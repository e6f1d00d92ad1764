using System.Net;
using System.Net.Sockets;
using Outcall.Egress;
using Outcall.Http;

namespace Outcall.Proxy;

/// <summary>
/// FR-022 / IF-006: `GET /outcall-health` (exact path, no query) is answered by the proxy itself. A
/// client with HTTP_PROXY set sends it in absolute form, `GET http://PROXY:8080/outcall-health`, which
/// is the same probe when PROXY:8080 is the address the client reached the proxy on (or localhost when
/// that is loopback). Any other host's /outcall-health is an ordinary request, judged and forwarded.
/// </summary>
internal static class HealthProbe
{
    public const string Path = "/outcall-health";

    public static bool IsProbe(RequestHead request) => request.Method == "GET" && request.PathAndQuery == Path;

    /// <summary>An absolute-form probe addressed to <paramref name="local"/>, the proxy end of the client's connection.</summary>
    public static bool IsAddressedTo(RequestHead request, IPEndPoint local) =>
        request.TargetForm == TargetForm.Absolute && request.Scheme == "http" && IsProbe(request) && NamesEndpoint(request.Host, request.Port, local);

    /// <summary>Whether host:port is <paramref name="local"/>: the same address, or loopback for loopback, on the same port.</summary>
    public static bool NamesEndpoint(string host, int port, IPEndPoint local)
    {
        if (port != local.Port) return false;
        var localAddress = Unmapped(local.Address);
        var name = host.Length > 2 && host[0] == '[' && host[^1] == ']' ? host[1..^1] : host;
        if (!HostLiteral.TryParse(name, out var address))
            return IPAddress.IsLoopback(localAddress) && name.TrimEnd('.').Equals("localhost", StringComparison.OrdinalIgnoreCase);
        address = Unmapped(address);
        return address.Equals(localAddress) || (IPAddress.IsLoopback(address) && IPAddress.IsLoopback(localAddress));
    }

    private static IPAddress Unmapped(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 && address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
