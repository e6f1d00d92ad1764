using System.Net;
using System.Net.Sockets;

namespace Outcall.Egress;

/// <summary>The system resolver (FR-019), with a bound on time.</summary>
/// <remarks>
/// Addresses come back in the order the system resolver chose (getaddrinfo sorts them by RFC 6724
/// preference); the proxy dials them in that order. IP literals (<see cref="HostLiteral"/>) are answered
/// without a lookup. Failures become <see cref="HostResolutionException"/> whose message names only the
/// kind of failure. Cancellation by the caller's token surfaces as OperationCanceledException; running out
/// of this resolver's own time is a resolution failure ("timed out"). The wait is bounded even where the
/// platform lookup ignores cancellation: the abandoned lookup then finishes on its own.
/// </remarks>
public sealed class SystemHostResolver : IHostResolver
{
    /// <summary>Matches the default connect timeout (FR-010), so DNS alone never outlasts it.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly TimeSpan _timeout;

    public SystemHostResolver()
        : this(DefaultTimeout)
    {
    }

    public SystemHostResolver(TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        _timeout = timeout;
    }

    public async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        cancellationToken.ThrowIfCancellationRequested();
        if (HostLiteral.TryParse(host, out var literal))
        {
            return [literal];
        }

        // An empty name would make Dns return this machine's own addresses.
        if (host.Length == 0)
        {
            throw new HostResolutionException(host, "empty host name");
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_timeout);
        IPAddress[] addresses;
        try
        {
            addresses = await Dns.GetHostAddressesAsync(host, deadline.Token).WaitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new HostResolutionException(host, "timed out");
        }
        catch (SocketException e)
        {
            throw new HostResolutionException(host, Describe(e.SocketErrorCode));
        }
        catch (ArgumentException)
        {
            throw new HostResolutionException(host, "invalid host name");
        }

        return addresses.Length == 0 ? throw new HostResolutionException(host, "no addresses") : addresses;
    }

    private static string Describe(SocketError error) => error switch
    {
        SocketError.HostNotFound => "no such host",
        SocketError.NoData => "no addresses",
        SocketError.TryAgain => "temporary failure",
        SocketError.TimedOut => "timed out",
        SocketError.NoRecovery => "server failure",
        _ => "lookup failed",
    };
}
