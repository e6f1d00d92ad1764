using System.Net;
using System.Net.Security;
using System.Net.Sockets;

namespace Outcall.Tests.Intercept;

/// <summary>A real TLS handshake between two SslStreams over a loopback TCP connection.</summary>
internal static class LoopbackTls
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    /// <summary>The outcome on the client's side; the server's failure (if any) is not awaited past the client's.</summary>
    public sealed record Outcome(bool ClientSucceeded, Exception? ClientError, SslApplicationProtocol Protocol, string? ServerCertificateSubject);

    public static async Task<Outcome> HandshakeAsync(SslServerAuthenticationOptions server, SslClientAuthenticationOptions client)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var clientSocket = new TcpClient();
        var accepting = listener.AcceptTcpClientAsync();
        await clientSocket.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port).WaitAsync(Bound);
        using var serverSocket = await accepting.WaitAsync(Bound);
        await using var serverTls = new SslStream(serverSocket.GetStream());
        await using var clientTls = new SslStream(clientSocket.GetStream());
        using var timeout = new CancellationTokenSource(Bound);
        var serving = serverTls.AuthenticateAsServerAsync(server, timeout.Token);
        try
        {
            await clientTls.AuthenticateAsClientAsync(client, timeout.Token);
        }
        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException)
        {
            return new Outcome(false, e, default, null);
        }
        await serving;
        return new Outcome(true, null, clientTls.NegotiatedApplicationProtocol, clientTls.RemoteCertificate?.Subject);
    }
}
