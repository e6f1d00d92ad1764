using Outcall.Proxy;
using Outcall.Telemetry;

namespace Outcall.Tests.Proxy;

/// <summary>The one mapping from an error kind to the client's status and the upstream-error metric.</summary>
public class ProxyErrorSpecs
{
    public static TheoryData<ProxyError, int> Statuses => new()
    {
        { ProxyError.DestinationUnresolved, 502 },
        { ProxyError.UpstreamConnect, 502 },
        { ProxyError.UpstreamConnectTimeout, 504 },
        { ProxyError.UpstreamClosed, 502 },
        { ProxyError.UpstreamResponseInvalid, 502 },
        { ProxyError.UpstreamIdleTimeout, 504 },
        { ProxyError.UpstreamConnectionFailed, 502 },
        { ProxyError.ClientConnectionFailed, 502 },
        { ProxyError.RequestBodyInvalid, 400 },
    };

    [Theory]
    [MemberData(nameof(Statuses))]
    public void Each_error_kind_answers_its_status(ProxyError error, int status)
    {
        Assert.Equal(status, ProxyErrors.StatusOf(error));
    }

    [Fact]
    public void Every_error_kind_has_a_status_listed_here()
    {
        Assert.Equal(Enum.GetValues<ProxyError>().Order(), Statuses.Select(row => (ProxyError)row[0]).Order());
    }

    [Theory]
    [InlineData(ProxyError.DestinationUnresolved, UpstreamErrorKind.Dns)]
    [InlineData(ProxyError.UpstreamConnect, UpstreamErrorKind.Refused)]
    [InlineData(ProxyError.UpstreamConnectTimeout, UpstreamErrorKind.Timeout)]
    [InlineData(ProxyError.UpstreamIdleTimeout, UpstreamErrorKind.Timeout)]
    [InlineData(ProxyError.UpstreamResponseInvalid, UpstreamErrorKind.Protocol)]
    [InlineData(ProxyError.UpstreamClosed, UpstreamErrorKind.Closed)]
    [InlineData(ProxyError.UpstreamConnectionFailed, UpstreamErrorKind.Closed)]
    public void Each_upstream_error_is_counted_under_its_metric_kind(ProxyError error, UpstreamErrorKind kind)
    {
        Assert.Equal(kind, ProxyErrors.MetricKindOf(error));
    }

    [Theory]
    [InlineData(ProxyError.RequestBodyInvalid)]
    [InlineData(ProxyError.ClientConnectionFailed)]
    public void A_fault_of_the_client_is_no_upstream_error(ProxyError error)
    {
        Assert.Null(ProxyErrors.MetricKindOf(error));
    }
}
