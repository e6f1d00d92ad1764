using Akka.Configuration;
using OpenTelemetry.Exporter;
using Outcall.Host.Telemetry;

namespace Outcall.Tests.Telemetry;

public sealed class TelemetrySettingsSpecs
{
    private static TelemetrySettings Create(string hocon) => TelemetrySettings.Create(ConfigurationFactory.ParseString(hocon));

    [Fact]
    public void OTLP_export_is_off_by_default_and_would_push_over_grpc_every_minute()
    {
        var settings = TelemetrySettings.Create(Config.Empty);
        Assert.Null(settings.OtlpEndpoint);
        Assert.Equal(OtlpExportProtocol.Grpc, settings.OtlpProtocol);
        Assert.Equal(TimeSpan.FromSeconds(60), settings.OtlpInterval);
    }

    [Fact]
    public void A_grpc_endpoint_is_used_as_given()
    {
        Assert.Equal(new Uri("http://collector:4317/"), Create("outcall.telemetry.otlp.endpoint = \"http://collector:4317\"").OtlpEndpoint);
    }

    [Theory]
    [InlineData("http://collector:4318", "http://collector:4318/v1/metrics")]
    [InlineData("https://collector:4318/", "https://collector:4318/v1/metrics")]
    [InlineData("http://collector:4318/otlp/v1/metrics", "http://collector:4318/otlp/v1/metrics")]
    public void An_http_protobuf_endpoint_without_a_path_gets_the_metrics_path(string endpoint, string expected)
    {
        var settings = Create($"outcall.telemetry.otlp {{ endpoint = \"{endpoint}\", protocol = \"http/protobuf\" }}");
        Assert.Equal(OtlpExportProtocol.HttpProtobuf, settings.OtlpProtocol);
        Assert.Equal(new Uri(expected), settings.OtlpEndpoint);
    }

    [Theory]
    [InlineData("outcall.telemetry.otlp.endpoint = \"collector:4317\"", "outcall.telemetry.otlp.endpoint")]
    [InlineData("outcall.telemetry.otlp.endpoint = \"ftp://collector:4317\"", "outcall.telemetry.otlp.endpoint")]
    [InlineData("outcall.telemetry.otlp.endpoint = \"/v1/metrics\"", "outcall.telemetry.otlp.endpoint")]
    [InlineData("outcall.telemetry.otlp.protocol = http", "outcall.telemetry.otlp.protocol")]
    [InlineData("outcall.telemetry.otlp.interval = 0s", "outcall.telemetry.otlp.interval")]
    public void A_bad_telemetry_setting_is_a_configuration_error_naming_the_key(string hocon, string key)
    {
        var error = Assert.Throws<ConfigurationException>(() => Create(hocon));
        Assert.Contains(key, error.Message);
    }
}
