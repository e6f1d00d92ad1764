using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Outcall.Intercept;

namespace Outcall.Tests.Intercept;

/// <summary>
/// An HTTPS origin on 127.0.0.1:0 (in-process Kestrel) serving a leaf for <see cref="CertificateName"/> from its own
/// test CA, whose PEM (<see cref="CaPemPath"/>) the proxy is given as `upstream-trust`. It records each request's
/// path and connection, and answers "path=&lt;path&gt;" for anything, or hands the request to the given handler
/// (WebSocket requests included: the WebSocket middleware is on).
/// </summary>
internal sealed class TlsOrigin : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly DirectoryInfo _dir;

    public CertificateAuthority Ca { get; }
    public string CertificateName { get; }
    public string CaPemPath { get; }
    public int Port { get; }
    public ConcurrentQueue<(string Path, string Connection)> Requests { get; } = new();

    private TlsOrigin(WebApplication app, DirectoryInfo dir, CertificateAuthority ca, string name, string pem, int port)
    {
        (_app, _dir, Ca, CertificateName, CaPemPath, Port) = (app, dir, ca, name, pem, port);
    }

    public static async Task<TlsOrigin> StartAsync(string certificateName, RequestDelegate? handler = null)
    {
        var dir = Directory.CreateTempSubdirectory("outcall-origin-");
        var ca = CertificateAuthority.Generate(commonName: "Origin Test CA");
        var pem = Path.Combine(dir.FullName, "origin-ca.pem");
        await File.WriteAllTextAsync(pem, ca.CertificatePem());
        var leaf = new LeafMinter(ca, TimeSpan.FromHours(1)).Mint(certificateName).Certificate;

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(leaf));
        });
        var app = builder.Build();
        app.UseWebSockets();
        TlsOrigin? origin = null;
        app.Run(async context =>
        {
            origin!.Requests.Enqueue((context.Request.Path.Value ?? "", context.Connection.Id));
            if (handler is not null) await handler(context);
            else await context.Response.WriteAsync($"path={context.Request.Path.Value}");
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        origin = new TlsOrigin(app, dir, ca, certificateName, pem, new Uri(address).Port);
        return origin;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Ca.Dispose();
        _dir.Delete(recursive: true);
    }
}
