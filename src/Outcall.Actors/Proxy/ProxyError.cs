using Outcall.Telemetry;

namespace Outcall.Proxy;

/// <summary>
/// Why a request could not be carried through once its verdict allowed it (the model is YARP's
/// <c>ForwarderError</c>). Code that fails says which of these it was; <see cref="ProxyErrors"/> is the one
/// place that turns a kind into the status the client gets and the metric it is counted under.
/// </summary>
public enum ProxyError
{
    /// <summary>The destination name did not resolve.</summary>
    DestinationUnresolved,
    /// <summary>No checked address accepted the connection (refused, unreachable, none left).</summary>
    UpstreamConnect,
    /// <summary>The connect did not complete within the connect timeout.</summary>
    UpstreamConnectTimeout,
    /// <summary>The upstream closed its side before its response was whole.</summary>
    UpstreamClosed,
    /// <summary>The upstream's response could not be framed: an invalid or oversized head, a bad chunk, a 101 nobody asked for.</summary>
    UpstreamResponseInvalid,
    /// <summary>Nothing moved either way within the idle timeout.</summary>
    UpstreamIdleTimeout,
    /// <summary>The upstream's socket failed mid-exchange (a reset, a write to a closed peer).</summary>
    UpstreamConnectionFailed,
    /// <summary>The client's socket failed mid-exchange: the client went away, not the upstream.</summary>
    ClientConnectionFailed,
    /// <summary>The client's own request body was broken: a bad chunk, or the client closed inside it.</summary>
    RequestBodyInvalid,
}

/// <summary>What each <see cref="ProxyError"/> means to the client and to the metrics.</summary>
public static class ProxyErrors
{
    /// <summary>The status written to the client when nothing of a response has gone to it yet.</summary>
    public static int StatusOf(ProxyError error) => error switch
    {
        ProxyError.RequestBodyInvalid => 400,
        ProxyError.UpstreamConnectTimeout or ProxyError.UpstreamIdleTimeout => 504,
        _ => 502,
    };

    /// <summary>
    /// The <c>outcall_upstream_errors_total</c> kind an error counts under; null when the upstream did
    /// nothing wrong (the client's body was broken, or the client went away).
    /// </summary>
    public static UpstreamErrorKind? MetricKindOf(ProxyError error) => error switch
    {
        ProxyError.DestinationUnresolved => UpstreamErrorKind.Dns,
        ProxyError.UpstreamConnect => UpstreamErrorKind.Refused,
        ProxyError.UpstreamConnectTimeout or ProxyError.UpstreamIdleTimeout => UpstreamErrorKind.Timeout,
        ProxyError.UpstreamClosed or ProxyError.UpstreamConnectionFailed => UpstreamErrorKind.Closed,
        ProxyError.UpstreamResponseInvalid => UpstreamErrorKind.Protocol,
        _ => null,
    };
}
