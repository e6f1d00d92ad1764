using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Outcall.Http;
using Outcall.Upstream;

namespace Outcall.Proxy;

/// <summary>
/// The upstream connection one client connection holds for an exchange or a tunnel, with the bytes read
/// from it and not yet relayed. Rented from the shared pool (plain requests only) or dialled fresh; at its
/// end it goes back to the pool only after a clean exchange with nothing left unread, else it is closed,
/// and its unread bytes go with it, so nothing one upstream sent can be read as another's answer.
/// Owned by one actor: not thread-safe.
/// </summary>
internal sealed class UpstreamLease : IDisposable
{
    /// <summary>Read size for responses: one head up to 4 x max-header-bytes fits, bodies stream through it.</summary>
    private const int BufferBytes = 64 * 1024;

    private bool _released;
    private SslStream? _tls;

    private UpstreamLease(Socket socket, IPEndPoint endpoint, bool reused)
    {
        Socket = socket;
        Endpoint = endpoint;
        Reused = reused;
        Channel = new SocketChannel(socket);
    }

    public Socket Socket { get; }
    /// <summary>What exchanges read and write: the socket, or the TLS session over it once <see cref="Secure"/>d.</summary>
    public ByteChannel Channel { get; private set; }
    /// <summary>An intercepted tunnel's verified TLS session to the upstream: never pooled, closed with the lease.</summary>
    public bool IsSecured => _tls is not null;
    /// <summary>The checked address the socket is connected to (the pool's key).</summary>
    public IPEndPoint Endpoint { get; }
    /// <summary>Taken from the pool: an earlier exchange used it, so the peer may have closed it meanwhile.</summary>
    public bool Reused { get; }
    public ConnectionBuffer Buffer { get; } = new(BufferBytes);

    /// <summary>
    /// An idle pooled connection to one of the checked endpoints, or null. Only a plain request may ride one:
    /// a CONNECT or an Upgrade becomes a tunnel and always gets its own connection.
    /// </summary>
    public static UpstreamLease? TryRent(UpstreamPool pool, RequestHead request, IReadOnlyList<IPEndPoint> checkedEndpoints)
    {
        if (request.TargetForm != TargetForm.Absolute || request.Upgrade is not null) return null;
        return pool.Rent(checkedEndpoints) is { } pooled ? new UpstreamLease(pooled.Socket, pooled.Endpoint, reused: true) : null;
    }

    public static UpstreamLease Fresh(Socket socket, IPEndPoint endpoint) => new(socket, endpoint, reused: false);

    /// <summary>
    /// Retry safety: a request may be sent again (once, on a fresh connection) only if it is idempotent
    /// (RFC 9110 §9.2.2) and this connection was reused, so its failure before the first byte is the pool's
    /// stale connection, not the destination refusing it.
    /// </summary>
    public bool MayResend(string method) => Reused && IsIdempotent(method);

    /// <summary>From now on the lease speaks through <paramref name="tls"/>, a session over <see cref="Socket"/>.</summary>
    public void Secure(SslStream tls)
    {
        _tls = tls;
        Channel = new StreamChannel(tls);
    }

    /// <summary>Ends the lease: back to the pool when <paramref name="reusable"/> and nothing is left unread, else closed.</summary>
    public void Release(UpstreamPool pool, bool reusable)
    {
        if (_released) return;
        _released = true;
        if (reusable && Buffer.Count == 0 && _tls is null) pool.Return(Socket, Endpoint);
        else Close();
        Buffer.Dispose();
    }

    /// <summary>Closes the connection unless it was already released.</summary>
    public void Dispose()
    {
        if (_released) return;
        _released = true;
        Close();
        Buffer.Dispose();
    }

    private void Close()
    {
        _tls?.Dispose();
        Socket.Dispose();
    }

    private static bool IsIdempotent(string method) => method is "GET" or "HEAD" or "OPTIONS" or "TRACE" or "PUT" or "DELETE";
}
