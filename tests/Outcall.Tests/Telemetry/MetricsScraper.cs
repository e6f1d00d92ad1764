using System.Text;
using Akka.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using Outcall.Host.Telemetry;
using Outcall.Telemetry;

namespace Outcall.Tests.Telemetry;

/// <summary>
/// The node's exporter (<see cref="MetricsExport"/>) attached to one <see cref="ProxyMetrics"/>, scraped
/// as /metrics answers. Attach it before recording: a histogram records nothing while no exporter listens.
/// </summary>
public sealed class MetricsScraper : IDisposable
{
    private readonly ServiceProvider _services;
    private readonly RequestDelegate _scrape;

    public MetricsScraper(ProxyMetrics metrics)
    {
        _services = new ServiceCollection().AddOutcallMetrics(metrics, TelemetrySettings.Create(ConfigurationFactory.Empty)).BuildServiceProvider();
        _scrape = MetricsExport.ScrapeHandler(_services, _services.GetRequiredService<MeterProvider>());
    }

    public string Text()
    {
        var context = new DefaultHttpContext { RequestServices = _services };
        context.Request.Method = HttpMethods.Get;
        context.Request.Path = MetricsExport.ScrapePath;
        using var body = new MemoryStream();
        context.Response.Body = body;
        _scrape(context).GetAwaiter().GetResult();
        if (context.Response.StatusCode != StatusCodes.Status200OK) throw new InvalidOperationException($"scrape answered {context.Response.StatusCode}");
        return Encoding.UTF8.GetString(body.ToArray());
    }

    public IReadOnlyDictionary<string, PrometheusFamily> Scrape() => PrometheusExposition.Parse(Text());

    public void Dispose() => _services.Dispose();
}
