using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;

namespace Outcall.Intercept;

/// <summary>Both TLS sessions of an intercepted tunnel: the agent's, ended with our leaf, and the verified one to the upstream.</summary>
public sealed record InterceptSession(SslStream Client, SslStream Upstream);

/// <summary>The handshakes' result: a session, or the stable reason (<see cref="InterceptFailureReason"/>) and a detail fit for a log line.</summary>
public readonly record struct InterceptOutcome(InterceptSession? Session, string Reason, string Detail);

/// <summary>
/// Opens an intercepted tunnel (S011-FR-005, issue 14): the leaf for the name, the agent's handshake with it
/// (ALPN http/1.1 only) and, at the same time, a handshake with the checked upstream address with the same
/// SNI, verified by <see cref="UpstreamTrust"/> (system roots plus upstream-trust anchors, name checked).
/// Any failure closes both: there is no fallback to an unverified or uninspected tunnel.
/// </summary>
public static class InterceptHandshake
{
    /// <param name="clientPrefix">What the agent already sent (its ClientHello, peeked for the SNI check).</param>
    /// <param name="name">The host the leaf names and the upstream must prove: the SNI, else the CONNECT host.</param>
    public static async Task<InterceptOutcome> OpenAsync(InterceptServices services, Socket client, byte[] clientPrefix, Socket upstream,
        string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        InterceptLeaf leaf;
        try
        {
            leaf = services.Leaves.Get(name);
        }
        catch (Exception e) when (e is LeafMintingException or CryptographicException or ArgumentException)
        {
            return Failed(InterceptFailureReason.CertGenFailed, e.Message);
        }

        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(services.HandshakeTimeout);
        var clientTls = new SslStream(new ReplayStream(clientPrefix, new NetworkStream(client, ownsSocket: false)), leaveInnerStreamOpen: false);
        var upstreamTls = new SslStream(new NetworkStream(upstream, ownsSocket: false), leaveInnerStreamOpen: false);
        var upstreamErrors = SslPolicyErrors.None;
        var options = services.Trust.ClientOptions(name);
        var validate = options.RemoteCertificateValidationCallback!;
        options.RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
        {
            upstreamErrors = errors;
            return validate(sender, certificate, chain, errors);
        };

        // A failure on either side ends the other's wait at once.
        var clientSide = CancelOnFailure(clientTls.AuthenticateAsServerAsync(leaf.ServerOptions(), bounded.Token), bounded);
        var upstreamSide = CancelOnFailure(upstreamTls.AuthenticateAsClientAsync(options, bounded.Token), bounded);
        var clientError = await clientSide.ConfigureAwait(false);
        var upstreamError = await upstreamSide.ConfigureAwait(false);
        if (clientError is null && upstreamError is null) return new InterceptOutcome(new InterceptSession(clientTls, upstreamTls), "", "");

        await clientTls.DisposeAsync().ConfigureAwait(false);
        await upstreamTls.DisposeAsync().ConfigureAwait(false);
        // The side that failed first is the cause; the other one only saw the cancellation.
        var upstreamIsCause = clientError is null || upstreamError is not null && (upstreamError is not OperationCanceledException || clientError is OperationCanceledException);
        return upstreamIsCause
            ? Failed(InterceptFailureReason.UpstreamHandshakeFailed, Describe(upstreamError!, upstreamErrors, cancellationToken))
            : Failed(InterceptFailureReason.ClientHandshakeFailed, Describe(clientError!, SslPolicyErrors.None, cancellationToken));
    }

    private static async Task<Exception?> CancelOnFailure(Task handshake, CancellationTokenSource others)
    {
        try
        {
            await handshake.ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when (e is AuthenticationException or IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            try
            {
                others.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Both sides already ended.
            }
            return e;
        }
    }

    /// <summary>What went wrong, for the one log line: the certificate errors or the TLS failure, never bytes of the session.</summary>
    private static string Describe(Exception error, SslPolicyErrors errors, CancellationToken outer)
    {
        if (errors != SslPolicyErrors.None) return $"certificate not accepted ({errors})";
        if (error is OperationCanceledException) return outer.IsCancellationRequested ? "connection closed" : "handshake timed out";
        return $"{error.GetType().Name}: {error.GetBaseException().Message}";
    }

    private static InterceptOutcome Failed(string reason, string detail) => new(null, reason, detail);
}
