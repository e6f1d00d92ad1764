using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Outcall.Intercept;

namespace Outcall.Tests.Intercept;

/// <summary>The stream an intercepted tunnel's client handshake runs over: the peeked ClientHello first, then the socket (issue 14).</summary>
public sealed class ReplayStreamSpecs
{
    [Fact]
    public async Task A_zero_byte_read_is_answered_at_once_while_replayed_bytes_remain()
    {
        // An inner stream nobody writes to: a zero-byte read passed on to it would wait for ever.
        var silent = new System.IO.Pipelines.Pipe();
        await using var replay = new ReplayStream([1, 2, 3], silent.Reader.AsStream());

        var read = await replay.ReadAsync(Memory<byte>.Empty).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        var buffer = new byte[8];
        var taken = await replay.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(0, read);
        Assert.Equal([1, 2, 3], buffer[..taken]);
    }

    [Fact]
    public async Task A_TLS_server_handshake_completes_over_a_ClientHello_read_before_it()
    {
        using var ca = CertificateAuthority.Generate();
        var leaf = new LeafMinter(ca, TimeSpan.FromHours(1)).Mint("api.test");
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var clientSocket = new TcpClient();
        var accepting = listener.AcceptSocketAsync();
        await clientSocket.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        using var serverSocket = await accepting;
        var trust = new UpstreamTrust([ca.Certificate]);
        await using var clientTls = new SslStream(clientSocket.GetStream());
        var client = clientTls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "api.test", RemoteCertificateValidationCallback = (_, certificate, chain, errors) => trust.Validate(certificate, chain, errors),
        });
        // What the SNI check peeked at: the ClientHello, read off the socket before the handshake starts.
        var hello = new byte[16384];
        var count = await serverSocket.ReceiveAsync(hello, SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(10));
        await using var serverTls = new SslStream(new ReplayStream(hello[..count], new NetworkStream(serverSocket, ownsSocket: false)));

        await serverTls.AuthenticateAsServerAsync(leaf.ServerOptions()).WaitAsync(TimeSpan.FromSeconds(20));
        await client.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.True(clientTls.IsAuthenticated);
    }
}
