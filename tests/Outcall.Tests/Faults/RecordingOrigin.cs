using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Outcall.Tests.Faults;

/// <summary>A real HTTP/1.1 origin (Kestrel on 127.0.0.1:0) that answers "ok" and remembers every path it was sent.</summary>
public sealed class RecordingOrigin : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, byte> _paths;

    public int Port { get; }
    public IReadOnlyCollection<string> Paths => (IReadOnlyCollection<string>)_paths.Keys;

    private RecordingOrigin(WebApplication app, ConcurrentDictionary<string, byte> paths, int port)
    {
        _app = app;
        _paths = paths;
        Port = port;
    }

    public static async Task<RecordingOrigin> StartAsync()
    {
        var paths = new ConcurrentDictionary<string, byte>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.Run(context =>
        {
            paths.TryAdd(context.Request.Path.Value ?? "", 0);
            return context.Response.WriteAsync("ok");
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new RecordingOrigin(app, paths, new Uri(address).Port);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
