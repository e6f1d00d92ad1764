using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Akka.Event;
using BenchmarkDotNet.Attributes;
using Outcall.Intercept;

namespace Outcall.Benchmarks;

/// <summary>
/// The cost interception adds per host and per connection (issue 14): minting a leaf (key, signature and the
/// SslStream context), finding a cached one, and a full TLS handshake with a cached leaf over loopback TCP
/// (client and server both in this process, so the figure is both sides' CPU; the client verifies the chain).
/// </summary>
[MemoryDiagnoser]
public class LeafBenchmarks
{
    private CertificateAuthority _ca = null!;
    private LeafMinter _minter = null!;
    private LeafCache _cache = null!;
    private TcpListener _listener = null!;
    private int _port;
    private SslClientAuthenticationOptions _client = null!;

    [GlobalSetup]
    public void Setup()
    {
        _ca = CertificateAuthority.Generate();
        _minter = new LeafMinter(_ca, TimeSpan.FromHours(24));
        _cache = new LeafCache(_minter, 1024, NoLogger.Instance);
        _cache.Get("localhost");
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start(128);
        _port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.Add(_ca.Certificate);
        _client = new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ApplicationProtocols = [SslApplicationProtocol.Http11],
            CertificateChainPolicy = policy,
        };
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _listener.Stop();
        _ca.Dispose();
    }

    [Benchmark]
    public InterceptLeaf MintLeaf() => _minter.Mint("api.example.com");

    [Benchmark]
    public InterceptLeaf CachedLeafLookup() => _cache.Get("localhost");

    [Benchmark]
    public async Task<SslProtocols> HandshakeWithCachedLeaf()
    {
        var accepting = _listener.AcceptSocketAsync();
        using var clientSocket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await clientSocket.ConnectAsync(IPAddress.Loopback, _port);
        using var serverSocket = await accepting;
        await using var server = new SslStream(new NetworkStream(serverSocket, ownsSocket: false));
        await using var client = new SslStream(new NetworkStream(clientSocket, ownsSocket: false));
        var serving = server.AuthenticateAsServerAsync(_cache.Get("localhost").ServerOptions(), CancellationToken.None);
        await client.AuthenticateAsClientAsync(_client, CancellationToken.None);
        await serving;
        return client.SslProtocol;
    }
}
