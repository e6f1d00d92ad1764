using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Outcall.Intercept;

namespace Outcall.Tests.Intercept;

/// <summary>Issue 14: the agent's TLS handshake runs over the ClientHello the SNI check already read off the socket.</summary>
public sealed class ReplayStreamSpecs
{
    // SslStream waits for data with a zero-byte read; passed to the socket it waited for bytes already read (a hung handshake).
    [Fact]
    public async Task A_TLS_server_over_an_already_read_ClientHello_completes_the_handshake()
    {
        using var ca = CertificateAuthority.Generate();
        var leaf = new LeafMinter(ca, TimeSpan.FromHours(1)).Mint("origin.test");
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var clientSocket = new TcpClient();
        var accepting = listener.AcceptSocketAsync();
        await clientSocket.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        using var server = await accepting;
        await using var clientTls = new SslStream(clientSocket.GetStream());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var clientSide = clientTls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "origin.test", CertificateChainPolicy = TrustOnly.Policy(ca.Certificate) }, timeout.Token);
        var buffer = new byte[4096];
        var n = await server.ReceiveAsync(buffer, SocketFlags.None);
        await using var serverTls = new SslStream(new ReplayStream(buffer[..n], new NetworkStream(server, ownsSocket: false)));
        await serverTls.AuthenticateAsServerAsync(leaf.ServerOptions(), timeout.Token);
        await clientSide;

        Assert.True(serverTls.IsAuthenticated);
        Assert.Equal("origin.test", serverTls.TargetHostName);
    }
}
