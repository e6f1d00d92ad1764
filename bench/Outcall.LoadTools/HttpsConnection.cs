using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Outcall.LoadTools;

/// <summary>
/// One HTTPS connection to a target, through a proxy's CONNECT or straight to it: TLS with the target's address
/// as the name, the certificate validated against the given anchors alone (the name always checked), then GETs of one
/// path over it. For `https` and `https-idle`; the responses are read to their Content-Length.
/// </summary>
internal sealed class HttpsConnection : IDisposable
{
    private readonly Socket _socket;
    private readonly SslStream _tls;
    private readonly byte[] _request;
    private readonly byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;

    private HttpsConnection(Socket socket, SslStream tls, byte[] request)
    {
        _socket = socket;
        _tls = tls;
        _request = request;
    }

    /// <param name="close">Asks for Connection: close (one request per connection).</param>
    public static async Task<HttpsConnection> OpenAsync(IPEndPoint? proxy, IPEndPoint target, string path, X509Certificate2Collection anchors,
        bool close, CancellationToken cancellationToken)
    {
        var socket = await TunnelClient.OpenAsync(proxy, target, cancellationToken).ConfigureAwait(false);
        var tls = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false);
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = target.Address.ToString(),
                ApplicationProtocols = [SslApplicationProtocol.Http11],
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                // A full handshake every time, as bench/run.sh's ttfb does: a new connection costs the proxy a whole one.
                AllowTlsResume = false,
                // The anchors as the only roots (the benchmark's CA, or the origin's self-signed certificate), built once per
                // handshake; any fault, a wrong name included, fails the handshake (no validation callback to widen it).
                CertificateChainPolicy = OnlyRoots(anchors),
            }, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            socket.Dispose();
            throw;
        }
        var request = Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: {target}\r\n{(close ? "Connection: close\r\n" : "")}\r\n");
        return new HttpsConnection(socket, tls, request);
    }

    /// <summary>One GET, its response read whole; true when it was a 200.</summary>
    public async Task<bool> GetAsync(CancellationToken cancellationToken)
    {
        await _tls.WriteAsync(_request, cancellationToken).ConfigureAwait(false);
        int headEnd;
        while ((headEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8)) < 0) await FillAsync(cancellationToken).ConfigureAwait(false);
        var head = Encoding.ASCII.GetString(_buffer, _start, headEnd);
        _start += headEnd + 4;
        var remaining = ContentLength(head);
        while (remaining > 0)
        {
            if (_start == _end) await FillAsync(cancellationToken).ConfigureAwait(false);
            var take = (int)Math.Min(remaining, _end - _start);
            _start += take;
            remaining -= take;
        }
        return head.StartsWith("HTTP/1.1 200 ", StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _tls.Dispose();
        _socket.Dispose();
    }

    private static X509ChainPolicy OnlyRoots(X509Certificate2Collection anchors)
    {
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.AddRange(anchors);
        return policy;
    }

    private static long ContentLength(string head)
    {
        foreach (var line in head.Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                return long.Parse(line.AsSpan("Content-Length:".Length).Trim(), CultureInfo.InvariantCulture);
        }
        throw new IOException("response without Content-Length");
    }

    private async Task FillAsync(CancellationToken cancellationToken)
    {
        if (_start == _end) _start = _end = 0;
        if (_end == _buffer.Length)
        {
            if (_start == 0) throw new IOException("response head too long");
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        var read = await _tls.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        if (read == 0) throw new IOException("connection closed mid-response");
        _end += read;
    }
}
