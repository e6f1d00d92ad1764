using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Outcall.LoadTools;

/// <summary>An echo server behind TLS (a throwaway self-signed certificate) on 127.0.0.1: the far end of the soak's TLS tunnels.</summary>
internal sealed class TlsEchoServer : IAsyncDisposable
{
    private readonly X509Certificate2 _certificate = CreateCertificate();
    private readonly LoopbackListener _listener;

    public TlsEchoServer() => _listener = new LoopbackListener(1024, EchoAsync);

    public IPEndPoint EndPoint => _listener.EndPoint;

    private static X509Certificate2 CreateCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(2));
        // Round-tripped through PKCS#12 so SslStream on Linux can use the private key.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }

    private async Task EchoAsync(Socket connection, CancellationToken stop)
    {
        await using var tls = new SslStream(new NetworkStream(connection, ownsSocket: true));
        var buffer = new byte[16 * 1024];
        try
        {
            await tls.AuthenticateAsServerAsync(_certificate).WaitAsync(TimeSpan.FromSeconds(10), stop).ConfigureAwait(false);
            int read;
            while ((read = await tls.ReadAsync(buffer, stop).ConfigureAwait(false)) > 0)
                await tls.WriteAsync(buffer.AsMemory(0, read), stop).ConfigureAwait(false);
            await tls.ShutdownAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException
                                      or AuthenticationException or TimeoutException)
        {
            // The client went away or we are stopping: this connection is done either way.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _listener.DisposeAsync().ConfigureAwait(false);
        _certificate.Dispose();
    }
}
