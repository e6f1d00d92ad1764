using System.Net;
using Akka.Configuration;
using Outcall.Http;

namespace Outcall.Proxy;

/// <summary>The `outcall.proxy` section.</summary>
public sealed record ProxySettings(
    IPEndPoint Listen,
    int MaxConnections,
    TimeSpan ConnectTimeout,
    TimeSpan IdleTimeout,
    TimeSpan HeaderTimeout,
    TimeSpan ClientHelloTimeout,
    int ClientHelloMaxBytes,
    int MaxHeaderBytes,
    TimeSpan ShutdownGrace,
    int AcceptBacklog,
    ForwardedHeaders ForwardedHeaders = ForwardedHeaders.Off,
    bool Via = true,
    long MaxRefusedBodyBytes = 16 * 1024 * 1024,
    int SplicePipes = 32)
{
    public static ProxySettings Create(Config config)
    {
        var section = OutcallConfig.WithDefaults(config).GetConfig("outcall.proxy");
        return new ProxySettings(
            ParseEndpoint(section.GetString("listen"), "outcall.proxy.listen"),
            OutcallConfig.PositiveInt(section, "max-connections"),
            OutcallConfig.PositiveDuration(section, "connect-timeout"),
            OutcallConfig.PositiveDuration(section, "idle-timeout"),
            OutcallConfig.PositiveDuration(section, "header-timeout"),
            OutcallConfig.PositiveDuration(section, "client-hello-timeout"),
            OutcallConfig.PositiveInt(section, "client-hello-max-bytes"),
            OutcallConfig.PositiveInt(section, "max-header-bytes"),
            OutcallConfig.PositiveDuration(section, "shutdown-grace"),
            OutcallConfig.PositiveInt(section, "accept-backlog"),
            ParseForwardedHeaders(section.GetString("forwarded-headers")),
            section.GetBoolean("via"),
            RefusedBody.BudgetOf(section),
            OutcallConfig.NonNegativeInt(section, "splice-pipes"));
    }

    /// <summary>off | x-forwarded-for | forwarded; anything else is a configuration error, not a silent off.</summary>
    public static ForwardedHeaders ParseForwardedHeaders(string? text) => text switch
    {
        "off" => ForwardedHeaders.Off,
        "x-forwarded-for" => ForwardedHeaders.XForwardedFor,
        "forwarded" => ForwardedHeaders.Forwarded,
        _ => throw new ConfigurationException($"outcall.proxy.forwarded-headers must be off, x-forwarded-for or forwarded, got '{text}'"),
    };

    /// <summary>ADDR:PORT with an IP literal (IPv6 in brackets); names are refused so the bind is unambiguous.</summary>
    public static IPEndPoint ParseEndpoint(string text, string what)
    {
        if (IPEndPoint.TryParse(text ?? "", out var endpoint) && (text!.Contains(']') || !text.Contains("::"))
            && text.LastIndexOf(':') > text.LastIndexOf(']') && endpoint.Port is >= 0 and <= 65535)
            return endpoint;
        throw new ConfigurationException($"{what} must be ADDR:PORT with an IP address (IPv6 in brackets), got '{text}'");
    }
}
