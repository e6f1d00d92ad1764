using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serilog;

namespace Outcall.Host.Admin;

/// <summary>
/// The admin API's own Kestrel listener, separate from the proxy port. Its lifetime belongs to the
/// node: it ignores SIGTERM itself so that /ready can answer 503 while the proxy drains, and the
/// node stops it last.
/// </summary>
public sealed class AdminServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    /// <summary>The bound address (the real port when 0 was asked for).</summary>
    public IPEndPoint Endpoint { get; }

    private AdminServer(WebApplication app, IPEndPoint endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    /// <summary>Binds and starts serving; a bind failure is a <see cref="StartupException"/> naming the address.</summary>
    /// <param name="log">The node's logger; only warnings and errors of the web stack reach it (request lines carry queries).</param>
    public static async Task<AdminServer> StartAsync(IPEndPoint listen, AdminApi api, Serilog.ILogger log)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        ListenOptions? bound = null;
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = AdminApi.MaxBodyBytes;
            kestrel.Limits.MaxConcurrentConnections = 64;
            kestrel.Listen(listen, options => bound = options);
        });
        builder.Services.AddSingleton<IHostLifetime, NodeOwnedLifetime>();
        var quiet = new LoggerConfiguration().MinimumLevel.Warning().WriteTo.Logger(log).CreateLogger();
        builder.Services.AddSerilog(quiet, dispose: true);
        var app = builder.Build();
        app.Run(api.HandleAsync);
        try
        {
            await app.StartAsync().ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new StartupException($"cannot listen on admin address {listen}: {e.InnerException?.Message ?? e.Message}");
        }
        return new AdminServer(app, bound?.IPEndPoint ?? listen);
    }

    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>No console lifetime: signals stop the node, and the node stops this server.</summary>
    private sealed class NodeOwnedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
