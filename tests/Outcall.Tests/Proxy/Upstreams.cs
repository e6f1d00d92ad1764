using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Outcall.Tests.Proxy;

/// <summary>
/// A real HTTP/1.1 server (Kestrel) on 127.0.0.1:0:
/// /echo/* answers "METHOD path?query", the request headers and the body it read;
/// /bytes?n=N streams N pattern bytes chunked; /status/N answers N; /ws echoes WebSocket messages.
/// It counts the TCP connections it accepted.
/// </summary>
public sealed class HttpUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _connections;

    public int Port { get; }
    public int Connections => Volatile.Read(ref _connections);
    public string Authority => $"127.0.0.1:{Port}";

    private HttpUpstream(WebApplication app, int port, Func<int> _)
    {
        _app = app;
        Port = port;
    }

    public static async Task<HttpUpstream> StartAsync()
    {
        HttpUpstream? self = null;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Use(next => async connection =>
            {
                if (self is not null) Interlocked.Increment(ref self._connections);
                await next(connection);
            }));
        });
        var app = builder.Build();
        app.UseWebSockets();
        app.Run(HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new HttpUpstream(app, new Uri(address).Port, () => 0);
        return self;
    }

    public static byte[] Pattern(int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++) bytes[i] = (byte)(i * 31 + i / 251);
        return bytes;
    }

    private static async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        if (path == "/ws" && context.WebSockets.IsWebSocketRequest)
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var buffer = new byte[64 * 1024];
            while (true)
            {
                var received = await socket.ReceiveAsync(buffer, CancellationToken.None);
                if (received.MessageType == System.Net.WebSockets.WebSocketMessageType.Close)
                {
                    await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                    return;
                }
                await socket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, CancellationToken.None);
            }
        }
        if (path.StartsWith("/bytes"))
        {
            var n = int.Parse(request.Query["n"].ToString());
            var pattern = Pattern(n);
            // No Content-Length: Kestrel sends it chunked.
            await context.Response.Body.WriteAsync(pattern);
            return;
        }
        if (path.StartsWith("/stream"))
        {
            // n bytes written as fast as the client (the proxy) takes them, from one reused block.
            var remaining = long.Parse(request.Query["n"].ToString());
            context.Response.ContentLength = remaining;
            var block = Pattern(64 * 1024);
            while (remaining > 0)
            {
                var take = (int)Math.Min(block.Length, remaining);
                await context.Response.Body.WriteAsync(block.AsMemory(0, take));
                remaining -= take;
            }
            return;
        }
        if (path.StartsWith("/status/"))
        {
            context.Response.StatusCode = int.Parse(path["/status/".Length..]);
            return;
        }
        if (path.StartsWith("/sink"))
        {
            // Reads the body and answers with its length and a checksum.
            var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[64 * 1024];
            long total = 0;
            int read;
            while ((read = await request.Body.ReadAsync(buffer)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                total += read;
            }
            await context.Response.WriteAsync($"{total} {Convert.ToHexString(hash.GetHashAndReset())}");
            return;
        }
        var text = new StringBuilder();
        text.Append($"{request.Method} {path}{request.QueryString}\n");
        foreach (var header in request.Headers) text.Append($"{header.Key.ToLowerInvariant()}: {header.Value}\n");
        text.Append('\n');
        using var reader = new StreamReader(request.Body);
        text.Append(await reader.ReadToEndAsync());
        context.Response.ContentType = "text/plain";
        await context.Response.WriteAsync(text.ToString());
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>A TLS server on 127.0.0.1:0 that records the SNI of each handshake and echoes what it is sent.</summary>
public sealed class TlsUpstream : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly X509Certificate2 _certificate;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<string?> _serverNames = [];
    private int _connections;

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    public int Connections => Volatile.Read(ref _connections);

    public IReadOnlyList<string?> ServerNames
    {
        get { lock (_serverNames) return _serverNames.ToArray(); }
    }

    public TlsUpstream()
    {
        _certificate = SelfSigned("upstream.test");
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _ = AcceptLoopAsync();
    }

    public static X509Certificate2 SelfSigned(string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            Interlocked.Increment(ref _connections);
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        try
        {
            await using var tls = new SslStream(client.GetStream());
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificateSelectionCallback = (_, hostName) =>
                {
                    lock (_serverNames) _serverNames.Add(hostName);
                    return _certificate;
                },
            }, _stop.Token);
            var buffer = new byte[16384];
            int read;
            while ((read = await tls.ReadAsync(buffer, _stop.Token)) > 0) await tls.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or System.Security.Authentication.AuthenticationException or ObjectDisposedException)
        {
            // A refused or cut tunnel ends the handshake early; that is what several tests want.
        }
    }

    public ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        _certificate.Dispose();
        return ValueTask.CompletedTask;
    }
}
