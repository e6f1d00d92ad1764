using System.Net;
using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Outcall.Host.Admin;
using Outcall.Host.Telemetry;
using Outcall.Rules;
using Outcall.Telemetry;

namespace Outcall.Tests.Admin;

/// <summary>
/// The node's web application with the admin API on a free loopback port, its rule engine an actor
/// of the test's choosing registered in Akka.Hosting's registry, as a node registers the real one.
/// </summary>
public sealed class AdminApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    public AdminHttp Http { get; }

    private AdminApp(WebApplication app)
    {
        _app = app;
        Http = new AdminHttp(new Uri($"http://{AdminWebHost.BoundEndpoint(app)}/"));
    }

    public static async Task<AdminApp> StartAsync(Props engine, NodeState? state = null, TimeSpan? askTimeout = null)
    {
        var settings = new AdminSettings(new IPEndPoint(IPAddress.Loopback, 0), askTimeout ?? TimeSpan.FromSeconds(5));
        var builder = AdminWebHost.CreateBuilder(settings, Serilog.Core.Logger.None);
        var metrics = new ProxyMetrics();
        builder.Services.AddSingleton(metrics).AddSingleton(state ?? new NodeState())
            .AddSingleton(new ProxyBinding(new IPEndPoint(IPAddress.Loopback, 1))).AddSingleton(new Outcall.Events.EventJournal(16))
            .AddOutcallMetrics(metrics, TelemetrySettings.Create(Config.Empty));
        builder.Services.AddAkka("admin-specs", akka => akka.WithActors((system, registry) => registry.Register<RuleEngine>(system.ActorOf(engine, "rules"))));
        var app = builder.BuildAdminApp();
        await AdminWebHost.StartAsync(app, settings);
        return new AdminApp(app);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
