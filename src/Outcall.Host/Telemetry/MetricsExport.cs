using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Outcall.Telemetry;

namespace Outcall.Host.Telemetry;

/// <summary>
/// How a node's <see cref="ProxyMetrics"/> leave the process: OpenTelemetry's Prometheus exporter for
/// the admin API's /metrics and, when configured, its OTLP exporter. The scraped names, types and
/// labels are exactly the README's (no scope label, no target_info, no response cache), always in the
/// text format 0.0.4: OpenMetrics, which the exporter would give a scraper asking for it, adds a
/// _created series per counter and histogram.
/// </summary>
public static class MetricsExport
{
    public const string ScrapePath = "/metrics";

    /// <summary>
    /// The node's MeterProvider (resolve <see cref="MeterProvider"/>): this instance's meter only,
    /// scraped by the Prometheus exporter and pushed over OTLP when <paramref name="settings"/> has an endpoint.
    /// </summary>
    public static IServiceCollection AddOutcallMetrics(this IServiceCollection services, ProxyMetrics metrics, TelemetrySettings settings)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(settings);
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("outcall"))
            .WithMetrics(builder =>
            {
                builder.AddMeter(ProxyMetrics.MeterName)
                    // Every node in one process (the tests start several) has a meter of that name: take this node's.
                    .AddView(instrument => ReferenceEquals(instrument.Meter, metrics.Meter) ? null : MetricStreamConfiguration.Drop)
                    .AddPrometheusExporter(prometheus =>
                    {
                        prometheus.ScopeInfoEnabled = false;
                        prometheus.TargetInfoEnabled = false;
                        prometheus.ScrapeResponseCacheDurationMilliseconds = 0;
                    });
                if (settings.OtlpEndpoint is { } endpoint)
                    builder.AddOtlpExporter((otlp, reader) =>
                    {
                        otlp.Endpoint = endpoint;
                        otlp.Protocol = settings.OtlpProtocol;
                        reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)settings.OtlpInterval.TotalMilliseconds;
                    });
            });
        return services;
    }

    /// <summary>
    /// GET and HEAD <paramref name="path"/> answer the scrape, on a web application whose services
    /// ran <see cref="AddOutcallMetrics"/>. Put it in the loopback-only group like every admin endpoint.
    /// </summary>
    public static IEndpointConventionBuilder MapOutcallMetrics(this IEndpointRouteBuilder endpoints, string path = ScrapePath) =>
        endpoints.MapPrometheusScrapingEndpoint(path, meterProvider: null, configureBranchedPipeline: AskForTextFormat, optionsName: null)
            .WithMetadata(new HttpMethodMetadata([HttpMethods.Get, HttpMethods.Head]));

    /// <summary>
    /// A handler that answers every request it is given with the scrape of <paramref name="provider"/>,
    /// for a router of our own that has already checked path, method and Host.
    /// </summary>
    public static RequestDelegate ScrapeHandler(IServiceProvider services, MeterProvider provider)
    {
        var app = new ApplicationBuilder(services);
        app.UseOpenTelemetryPrometheusScrapingEndpoint(provider, static _ => true, path: null, configureBranchedPipeline: AskForTextFormat, optionsName: null);
        return app.Build();
    }

    /// <summary>The exporter picks its format by Accept; make every scrape ask for text 0.0.4.</summary>
    private static void AskForTextFormat(IApplicationBuilder scrape) => scrape.Use((context, next) =>
    {
        context.Request.Headers.Accept = TextFormat;
        return next(context);
    });

    private const string TextFormat = "text/plain; version=0.0.4";
}
