using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;
using Serilog;

namespace Outcall.Host.Admin;

/// <summary>
/// The node's one web application: it hosts the actor system (the caller adds Akka.Hosting) and
/// the admin API on its own Kestrel listener, separate from the proxy port. With the admin API
/// disabled it binds nothing. Only loopback Host names are served (DNS-rebinding defence).
/// </summary>
public static class AdminWebHost
{
    private static readonly StringSegment[] LoopbackHosts = ["localhost", "127.0.0.1", "[::1]"];

    /// <param name="log">The node's logger; the web stack's own categories reach it from warnings up (request lines carry queries).</param>
    public static WebApplicationBuilder CreateBuilder(AdminSettings settings, Serilog.ILogger log)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddSerilog(log, dispose: true);
        builder.Services.AddSingleton(settings);
        builder.Services.AddRoutingCore();
        if (settings.Listen is { } listen)
            builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
            {
                kestrel.AddServerHeader = false;
                kestrel.Limits.MaxRequestBodySize = AdminRequests.MaxBodyBytes;
                kestrel.Limits.MaxConcurrentConnections = 64;
                kestrel.Listen(listen);
            });
        else builder.Services.AddSingleton<IServer, NoListener>();
        return builder;
    }

    /// <summary>Builds the application with the admin pipeline: bodies for bodiless refusals, the Host rule, Origin and token, the routes.</summary>
    public static WebApplication BuildAdminApp(this WebApplicationBuilder builder)
    {
        var app = builder.Build();
        app.UseStatusCodePages(context => AdminEnvelope.WriteBodylessAsync(context.HttpContext, context.HttpContext.Response.StatusCode switch
        {
            StatusCodes.Status404NotFound => "no such admin endpoint",
            StatusCodes.Status405MethodNotAllowed => $"method not allowed; use {context.HttpContext.Response.Headers.Allow}",
            var status => ReasonPhrases.GetReasonPhrase(status),
        }));
        // The Host rule as HostFilteringMiddleware matches it (any port, no wildcards), answered 403 rather than its fixed 400.
        app.Use((context, next) =>
        {
            if (HostString.MatchesAny(new StringSegment(context.Request.Host.Value), LoopbackHosts)) return next(context);
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return AdminEnvelope.WriteBodylessAsync(context, "the admin API answers only Host localhost, 127.0.0.1 or [::1]");
        });
        app.UseAdminAccess(app.Services.GetRequiredService<AdminSettings>());
        app.UseRouting();
        app.MapAdminPage();
        app.MapAdminEndpoints();
        return app;
    }

    /// <summary>Starts the application; a taken admin address is a <see cref="StartupException"/> naming it, with nothing left running.</summary>
    public static async Task StartAsync(WebApplication app, AdminSettings settings)
    {
        try
        {
            await app.StartAsync().ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await app.StopAsync().ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
            throw new StartupException($"cannot listen on admin address {settings.Listen}: {e.InnerException?.Message ?? e.Message}");
        }
    }

    /// <summary>Where the admin API listens once started (the real port when 0 was asked for); null when it is disabled.</summary>
    public static IPEndPoint? BoundEndpoint(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        if (addresses is null || addresses.Count == 0) return null;
        var uri = new Uri(addresses.First());
        return new IPEndPoint(IPAddress.Parse(uri.DnsSafeHost), uri.Port);
    }

    /// <summary>The server of a node without an admin API: the application runs the actor system and binds nothing.</summary>
    private sealed class NoListener : IServer
    {
        public IFeatureCollection Features { get; } = new FeatureCollection();
        public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken) where TContext : notnull => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public void Dispose() { }
    }
}
