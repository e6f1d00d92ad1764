using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Outcall.Intercept;

namespace Outcall.Tests.Proxy;

/// <summary>
/// A Kestrel origin on 127.0.0.1:0, plain or TLS, that records every request it received (method, path, connection,
/// headers), so a spec can tell what reached the origin without the origin echoing it to the client. It answers
/// "path=&lt;path&gt;", or hands the request to the given handler (WebSocket requests included). With TLS it presents a
/// leaf of its own test CA, whose PEM (<see cref="CaPemPath"/>) is what the proxy's upstream-trust lists: for each
/// SNI, or always for one given name.
/// </summary>
public sealed class RecordingOrigin : IAsyncDisposable
{
    public sealed record Received(string Method, string Path, string Connection, IReadOnlyDictionary<string, string> Headers);

    private readonly WebApplication _app;
    private readonly CertificateAuthority? _ca;
    private readonly DirectoryInfo? _dir;
    private readonly ConcurrentQueue<Received> _received;

    public int Port { get; }
    public IReadOnlyList<Received> Requests => _received.ToArray();
    /// <summary>The CA the origin's certificates chain to (TLS origins only).</summary>
    public CertificateAuthority Ca => _ca ?? throw new InvalidOperationException("a plain origin has no CA");
    /// <summary>That CA's PEM file, for upstream-trust (TLS origins only).</summary>
    public string CaPemPath => Path.Combine(_dir?.FullName ?? throw new InvalidOperationException("a plain origin has no CA"), "origin-ca.pem");

    private RecordingOrigin(WebApplication app, CertificateAuthority? ca, DirectoryInfo? dir, ConcurrentQueue<Received> received, int port)
    {
        (_app, _ca, _dir, _received, Port) = (app, ca, dir, received, port);
    }

    public static Task<RecordingOrigin> StartPlainAsync(RequestDelegate? handler = null) => StartAsync(null, null, handler);

    /// <param name="certificateName">The one name every certificate is for; by default, the SNI of each handshake.</param>
    public static Task<RecordingOrigin> StartTlsAsync(RequestDelegate? handler = null, string? certificateName = null)
    {
        var ca = CertificateAuthority.Generate(commonName: "Test Origin CA");
        var dir = Directory.CreateTempSubdirectory("outcall-origin-");
        File.WriteAllText(Path.Combine(dir.FullName, "origin-ca.pem"), ca.CertificatePem());
        var leaves = new LeafMinter(ca, TimeSpan.FromHours(1));
        var minted = new ConcurrentDictionary<string, InterceptLeaf>(StringComparer.Ordinal);
        var options = new TlsHandshakeCallbackOptions
        {
            OnConnection = context =>
            {
                var sni = context.ClientHelloInfo.ServerName;
                var leaf = minted.GetOrAdd(certificateName ?? (string.IsNullOrEmpty(sni) ? "127.0.0.1" : sni), leaves.Mint);
                return ValueTask.FromResult(new SslServerAuthenticationOptions
                {
                    ServerCertificateContext = leaf.Context, ApplicationProtocols = [SslApplicationProtocol.Http11],
                });
            },
        };
        return StartAsync(ca, dir, handler, options);
    }

    private static async Task<RecordingOrigin> StartAsync(CertificateAuthority? ca, DirectoryInfo? dir, RequestDelegate? handler,
        TlsHandshakeCallbackOptions? tls = null)
    {
        var received = new ConcurrentQueue<Received>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                if (tls is not null) listen.UseHttps(tls);
            });
        });
        var app = builder.Build();
        app.UseWebSockets();
        app.Run(async context =>
        {
            var request = context.Request;
            var headers = request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal);
            received.Enqueue(new Received(request.Method, request.Path.Value ?? "/", context.Connection.Id, headers));
            if (handler is not null)
            {
                await handler(context);
                return;
            }
            await request.Body.CopyToAsync(Stream.Null);
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync($"path={request.Path.Value}");
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new RecordingOrigin(app, ca, dir, received, new Uri(address).Port);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _ca?.Dispose();
        _dir?.Delete(recursive: true);
    }
}
