using Akka.Configuration;
using OpenTelemetry.Exporter;
using Outcall.Proxy;

namespace Outcall.Host.Telemetry;

/// <summary>
/// The `outcall.telemetry` section: where the metrics are pushed over OTLP besides the /metrics scrape.
/// <see cref="OtlpEndpoint"/> is null when OTLP export is off (an empty endpoint, the default).
/// </summary>
public sealed record TelemetrySettings(Uri? OtlpEndpoint, OtlpExportProtocol OtlpProtocol, TimeSpan OtlpInterval)
{
    public static TelemetrySettings Create(Config config)
    {
        var section = OutcallConfig.WithDefaults(config).GetConfig("outcall.telemetry.otlp");
        var protocol = section.GetString("protocol") switch
        {
            "grpc" => OtlpExportProtocol.Grpc,
            "http/protobuf" => OtlpExportProtocol.HttpProtobuf,
            var other => throw new ConfigurationException($"outcall.telemetry.otlp.protocol must be grpc or http/protobuf, got '{other}'"),
        };
        var interval = section.GetTimeSpan("interval", null, allowInfinite: false);
        if (interval <= TimeSpan.Zero) throw new ConfigurationException("outcall.telemetry.otlp.interval must be a positive duration");
        return new TelemetrySettings(ParseEndpoint(section.GetString("endpoint") ?? "", protocol), protocol, interval);
    }

    /// <summary>
    /// An http(s) URL. Over http/protobuf a URL without a path gets the metrics path /v1/metrics, as
    /// OTEL_EXPORTER_OTLP_ENDPOINT does; the SDK would post to the bare URL.
    /// </summary>
    private static Uri? ParseEndpoint(string text, OtlpExportProtocol protocol)
    {
        if (text.Length == 0) return null;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
            throw new ConfigurationException($"outcall.telemetry.otlp.endpoint must be an http:// or https:// URL or empty, got '{text}'");
        return protocol == OtlpExportProtocol.HttpProtobuf && uri.AbsolutePath == "/" ? new Uri(uri, "v1/metrics") : uri;
    }
}
