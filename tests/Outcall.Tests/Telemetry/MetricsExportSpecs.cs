using System.Net;
using System.Text;
using Akka.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using Outcall.Host.Telemetry;
using Outcall.Telemetry;

namespace Outcall.Tests.Telemetry;

/// <summary>The exporter wiring a web host calls: the /metrics endpoint and the OTLP push, on real loopback sockets.</summary>
public sealed class MetricsExportSpecs
{
    private static async Task<WebApplication> StartAsync(Action<WebApplicationBuilder> configure, Action<WebApplication> map,
        HttpProtocols protocols = HttpProtocols.Http1)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = protocols));
        builder.Services.AddRoutingCore();
        configure(builder);
        var app = builder.Build();
        app.UseRouting();
        map(app);
        await app.StartAsync();
        return app;
    }

    private static Uri Address(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());

    [Fact]
    public async Task The_mapped_endpoint_serves_the_text_scrape_to_GET_and_HEAD_and_refuses_other_methods()
    {
        using var metrics = new ProxyMetrics();
        metrics.RequestAllowed(RequestKind.Connect);
        await using var app = await StartAsync(
            b => b.Services.AddOutcallMetrics(metrics, TelemetrySettings.Create(Config.Empty)),
            a => a.MapOutcallMetrics());
        using var http = new HttpClient { BaseAddress = Address(app) };

        // Prometheus asks for OpenMetrics first; the answer is the text format all the same (no _created series).
        using var request = new HttpRequestMessage(HttpMethod.Get, MetricsExport.ScrapePath);
        request.Headers.TryAddWithoutValidation("Accept", "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5");
        using var get = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", get.Content.Headers.ContentType?.ToString());
        var families = PrometheusExposition.Parse(await get.Content.ReadAsStringAsync());
        Assert.Equal(1, families["outcall_requests_total"].Samples.Single(s => s.Label("kind") == "connect" && s.Label("verdict") == "allow").Value);

        using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, MetricsExport.ScrapePath));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        using var post = await http.PostAsync(MetricsExport.ScrapePath, new StringContent(""));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
    }

    public static TheoryData<string, string, HttpProtocols> OtlpProtocols => new()
    {
        { "http/protobuf", "/v1/metrics", HttpProtocols.Http1 },
        { "grpc", "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export", HttpProtocols.Http2 },
    };

    [Theory]
    [MemberData(nameof(OtlpProtocols))]
    public async Task With_an_OTLP_endpoint_the_metrics_are_pushed_to_it(string protocol, string path, HttpProtocols listen)
    {
        var received = new TaskCompletionSource<(string ContentType, byte[] Body)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var collector = await StartAsync(_ => { }, a => a.MapPost(path, async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            // Protobuf carries strings as UTF-8. The grpc exporter's first push may hold the resource alone: wait for the metrics.
            if (Encoding.UTF8.GetString(body.ToArray()).Contains("outcall.requests")) received.TrySetResult((context.Request.ContentType ?? "", body.ToArray()));
            return Results.Ok();
        }), listen);
        var endpoint = Address(collector).ToString().TrimEnd('/');

        using var metrics = new ProxyMetrics();
        metrics.RequestBlocked(RequestKind.Http, BlockReason.Rule);
        var settings = TelemetrySettings.Create(ConfigurationFactory.ParseString(
            $"outcall.telemetry.otlp {{ endpoint = \"{endpoint}\", protocol = \"{protocol}\", interval = 100ms }}"));
        await using var services = new ServiceCollection().AddOutcallMetrics(metrics, settings).BuildServiceProvider();
        _ = services.GetRequiredService<MeterProvider>(); // the periodic reader starts with the provider

        var (contentType, payload) = await received.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.StartsWith(protocol == "grpc" ? "application/grpc" : "application/x-protobuf", contentType);
        // The instrument names, the attribute values and the resource's service name.
        var text = Encoding.UTF8.GetString(payload);
        Assert.Contains("outcall.requests", text);
        Assert.Contains("outcall.blocks", text);
        Assert.Contains("default_policy", text);
        Assert.Contains("service.name", text);
    }
}
