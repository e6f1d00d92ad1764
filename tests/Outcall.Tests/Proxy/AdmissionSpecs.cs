using Outcall.Proxy;
using Outcall.Telemetry;
using static Outcall.Tests.Http.HttpText;

namespace Outcall.Tests.Proxy;

/// <summary>What a parsed head meets before any rule: local endpoints, requests no proxy carries, identity.</summary>
public class AdmissionSpecs
{
    private static AdmissionResult Decide(string head, string agent = "builder", bool requireKnownAgent = false) =>
        Admission.Decide(ParseValidRequest(head), agent, requireKnownAgent);

    [Fact]
    public void A_proxy_request_goes_to_the_rules()
    {
        Assert.Equal(AdmissionResult.Judge, Decide("GET http://a.test/ HTTP/1.1\r\nHost: a.test\r\n\r\n"));
        Assert.Equal(AdmissionResult.Judge, Decide("CONNECT a.test:443 HTTP/1.1\r\nHost: a.test:443\r\n\r\n"));
    }

    [Fact]
    public void The_health_path_is_served_locally_FR022()
    {
        Assert.Equal(AdmissionAction.ServeHealth, Decide("GET /outcall-health HTTP/1.1\r\nHost: proxy\r\n\r\n").Action);
    }

    [Theory]
    [InlineData("GET /outcall-health?x=1 HTTP/1.1\r\nHost: proxy\r\n\r\n")]
    [InlineData("POST /outcall-health HTTP/1.1\r\nHost: proxy\r\nContent-Length: 0\r\n\r\n")]
    [InlineData("GET /other HTTP/1.1\r\nHost: proxy\r\n\r\n")]
    public void Any_other_origin_form_request_is_a_400_FR022(string head)
    {
        Assert.Equal(new AdmissionResult(AdmissionAction.Refuse, 400, "a proxy request needs an absolute http:// URI or CONNECT"), Decide(head));
    }

    [Fact]
    public void An_https_absolute_URI_is_a_400_pointing_at_CONNECT()
    {
        var result = Decide("GET https://a.test/ HTTP/1.1\r\nHost: a.test\r\n\r\n");
        Assert.Equal((AdmissionAction.Refuse, 400), (result.Action, result.Status));
    }

    [Fact]
    public void An_unknown_agent_is_blocked_before_the_rules_when_known_agents_are_required()
    {
        var result = Decide("GET http://a.test/ HTTP/1.1\r\nHost: a.test\r\n\r\n", agent: "", requireKnownAgent: true);
        Assert.Equal(new AdmissionResult(AdmissionAction.Block, Reason: "unknown agent", BlockReason: BlockReason.UnknownAgent), result);
    }

    [Fact]
    public void An_unknown_agent_is_judged_when_known_agents_are_not_required()
    {
        Assert.Equal(AdmissionResult.Judge, Decide("GET http://a.test/ HTTP/1.1\r\nHost: a.test\r\n\r\n", agent: ""));
    }
}
