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

namespace Outcall.Tests.Intercept;

/// <summary>
/// A Kestrel origin on 127.0.0.1:0 that answers every request `200 ok` and records what it received (method, path,
/// headers), so a spec can tell what reached the origin without the origin echoing it back to the client. With TLS,
/// it presents for each SNI a leaf of its own CA, whose PEM file is what the proxy's upstream-trust lists.
/// </summary>
public sealed class RecordingOrigin : IAsyncDisposable
{
    public sealed record Received(string Method, string Path, IReadOnlyDictionary<string, string> Headers);

    private readonly WebApplication _app;
    private readonly CertificateAuthority? _ca;
    private readonly ConcurrentQueue<Received> _received;

    public int Port { get; }
    /// <summary>The PEM of the CA the origin's certificates chain to (TLS origins only).</summary>
    public string? TrustAnchorFile { get; }
    public IReadOnlyList<Received> Requests => _received.ToArray();

    private RecordingOrigin(WebApplication app, CertificateAuthority? ca, ConcurrentQueue<Received> received, int port, string? anchor)
    {
        (_app, _ca, _received, Port, TrustAnchorFile) = (app, ca, received, port, anchor);
    }

    public static Task<RecordingOrigin> StartPlainAsync() => StartAsync(null, null);

    /// <param name="anchorDirectory">Where the origin CA's PEM is written.</param>
    public static Task<RecordingOrigin> StartTlsAsync(string anchorDirectory)
    {
        var ca = CertificateAuthority.Generate(commonName: "Test Origin CA");
        var anchor = Path.Combine(anchorDirectory, "origin-ca.pem");
        File.WriteAllText(anchor, ca.CertificatePem());
        return StartAsync(ca, anchor);
    }

    private static async Task<RecordingOrigin> StartAsync(CertificateAuthority? ca, string? anchor)
    {
        var received = new ConcurrentQueue<Received>();
        var leaves = ca is null ? null : new LeafMinter(ca, TimeSpan.FromHours(1));
        var minted = new ConcurrentDictionary<string, InterceptLeaf>(StringComparer.Ordinal);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (leaves is null) return;
            listen.UseHttps(new TlsHandshakeCallbackOptions
            {
                OnConnection = context =>
                {
                    var name = context.ClientHelloInfo.ServerName;
                    var leaf = minted.GetOrAdd(string.IsNullOrEmpty(name) ? "127.0.0.1" : name, leaves.Mint);
                    return ValueTask.FromResult(new SslServerAuthenticationOptions
                    {
                        ServerCertificateContext = leaf.Context, ApplicationProtocols = [SslApplicationProtocol.Http11],
                    });
                },
            });
        }));
        var app = builder.Build();
        app.Run(async context =>
        {
            var request = context.Request;
            var headers = request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal);
            received.Enqueue(new Received(request.Method, request.Path.Value ?? "/", headers));
            await request.Body.CopyToAsync(Stream.Null);
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync("ok");
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new RecordingOrigin(app, ca, received, new Uri(address).Port, anchor);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _ca?.Dispose();
    }
}
