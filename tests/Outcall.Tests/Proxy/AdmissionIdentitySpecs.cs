using System.Net;
using Outcall.Proxy;
using Outcall.Telemetry;
using static Outcall.Tests.Http.HttpText;

namespace Outcall.Tests.Proxy;

/// <summary>Admission of absolute-form health probes (FR-022) and of requests whose proxy credential failed (FR-014).</summary>
public class AdmissionIdentitySpecs
{
    private static readonly IPEndPoint ReachedAt = IPEndPoint.Parse("172.17.0.1:8080");

    private static AdmissionResult Decide(string head, string? authenticationProblem = null) =>
        Admission.Decide(ParseValidRequest(head), "builder", requireKnownAgent: false, ReachedAt, authenticationProblem);

    [Fact]
    public void An_absolute_form_probe_of_the_address_the_client_reached_is_served_locally_FR022()
    {
        Assert.Equal(AdmissionAction.ServeHealth, Decide("GET http://172.17.0.1:8080/outcall-health HTTP/1.1\r\nHost: 172.17.0.1:8080\r\n\r\n").Action);
    }

    [Theory]
    [InlineData("GET http://172.17.0.9:8080/outcall-health HTTP/1.1\r\nHost: 172.17.0.9:8080\r\n\r\n")]
    [InlineData("GET http://172.17.0.1/outcall-health HTTP/1.1\r\nHost: 172.17.0.1\r\n\r\n")]
    [InlineData("GET http://172.17.0.1:8080/outcall-health?x HTTP/1.1\r\nHost: 172.17.0.1:8080\r\n\r\n")]
    [InlineData("HEAD http://172.17.0.1:8080/outcall-health HTTP/1.1\r\nHost: 172.17.0.1:8080\r\n\r\n")]
    public void Any_other_absolute_form_request_is_judged(string head)
    {
        Assert.Equal(AdmissionResult.Judge, Decide(head));
    }

    [Fact]
    public void A_failed_credential_is_a_407_block_before_the_rules_FR014()
    {
        var result = Decide("GET http://a.test/ HTTP/1.1\r\nHost: a.test\r\n\r\n", "proxy authentication required");
        Assert.Equal(new AdmissionResult(AdmissionAction.Block, 407, "proxy authentication required", BlockReason.ProxyAuth), result);
    }

    [Fact]
    public void The_health_probe_needs_no_credential()
    {
        Assert.Equal(AdmissionAction.ServeHealth,
            Decide("GET http://172.17.0.1:8080/outcall-health HTTP/1.1\r\nHost: 172.17.0.1:8080\r\n\r\n", "proxy authentication required").Action);
        Assert.Equal(AdmissionAction.ServeHealth, Decide("GET /outcall-health HTTP/1.1\r\nHost: proxy\r\n\r\n", "proxy authentication required").Action);
    }
}
