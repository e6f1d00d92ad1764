using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Outcall.LoadTools;

/// <summary>An echo server behind TLS (a throwaway self-signed certificate) on 127.0.0.1: the far end of the soak's TLS tunnels.</summary>
internal sealed class TlsEchoServer : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly CancellationTokenSource _stop = new();
    private readonly X509Certificate2 _certificate = CreateCertificate();
    private readonly Task _accepting;

    public TlsEchoServer()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(1024);
        _accepting = AcceptAsync();
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    private static X509Certificate2 CreateCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(2));
        // Round-tripped through PKCS#12 so SslStream on Linux can use the private key.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                if (_stop.IsCancellationRequested) return;
                continue;
            }
            _ = EchoAsync(connection);
        }
    }

    private async Task EchoAsync(Socket connection)
    {
        await using var tls = new SslStream(new NetworkStream(connection, ownsSocket: true));
        var buffer = new byte[16 * 1024];
        try
        {
            await tls.AuthenticateAsServerAsync(_certificate).WaitAsync(TimeSpan.FromSeconds(10), _stop.Token).ConfigureAwait(false);
            int read;
            while ((read = await tls.ReadAsync(buffer, _stop.Token).ConfigureAwait(false)) > 0)
                await tls.WriteAsync(buffer.AsMemory(0, read), _stop.Token).ConfigureAwait(false);
            await tls.ShutdownAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException
                                      or System.Security.Authentication.AuthenticationException or TimeoutException)
        {
            // The client went away or we are stopping: this connection is done either way.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _accepting.ConfigureAwait(false);
        _certificate.Dispose();
        _stop.Dispose();
    }
}
