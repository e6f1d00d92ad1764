using Outcall.Proxy;
using Outcall.Rules;
using static Outcall.Tests.Http.HttpText;

namespace Outcall.Tests.Proxy;

/// <summary>The one audit schema every verdict is written with (SC-007, FR-013, README "Logs").</summary>
public class AuditEventSpecs
{
    private static JudgedRequest Admit(string head, string agent = "builder") => JudgedRequest.Admit(ParseValidRequest(head), "10.0.0.7", agent);

    private static readonly Verdict AllowedByRule = new(RuleAction.Allow, "allow-api", "rules.yaml", "rule allow-api", false, false);
    private static readonly Verdict BlockedByRule = new(RuleAction.Block, "block-admin", "rules.yaml", "rule block-admin", false, false);

    [Fact]
    public void An_allow_carries_the_request_the_rule_and_its_file()
    {
        var e = AuditEvent.Of(Admit("GET http://api.test:8080/v1/items HTTP/1.1\r\nHost: api.test:8080\r\n\r\n"), AllowedByRule);
        Assert.Equal(("ALLOW", "10.0.0.7", "builder", "GET", "api.test", 8080, "/v1/items"), (e.Decision, e.ClientIp, e.Agent, e.Method, e.Host, e.Port, e.Path));
        Assert.Equal(("allow-api", "rules.yaml", "rule allow-api", ""), (e.RuleId, e.RuleFile, e.Reason, e.ServerName));
        Assert.True(e.DurationMs >= 0);
    }

    [Fact]
    public void The_path_never_carries_the_query_SC007()
    {
        var e = AuditEvent.Of(Admit("GET http://api.test/v1?token=secret HTTP/1.1\r\nHost: api.test\r\n\r\n"), BlockedByRule);
        Assert.Equal(("BLOCK", "/v1"), (e.Decision, e.Path));
    }

    [Fact]
    public void A_CONNECT_has_no_path()
    {
        var e = AuditEvent.Of(Admit("CONNECT api.test:443 HTTP/1.1\r\nHost: api.test:443\r\n\r\n"), BlockedByRule);
        Assert.Equal(("CONNECT", "api.test", 443, ""), (e.Method, e.Host, e.Port, e.Path));
    }

    [Fact]
    public void A_verdict_by_SNI_names_the_CONNECT_host_and_the_server_name_FR005()
    {
        var bySni = Admit("CONNECT api.test:443 HTTP/1.1\r\nHost: api.test:443\r\n\r\n").ByServerName("fronted.test");
        var e = AuditEvent.Of(bySni, BlockedByRule);
        Assert.Equal(("api.test", "fronted.test"), (e.Host, e.ServerName));
        Assert.Equal("fronted.test", bySni.Context.NetworkHostname);
    }

    [Fact]
    public void A_block_the_proxy_decided_keeps_the_rule_that_allowed_it_and_says_why()
    {
        var request = Admit("GET http://rebind.test/ HTTP/1.1\r\nHost: rebind.test\r\n\r\n");
        var e = AuditEvent.Blocked(request, "destination 127.0.0.1 is loopback", AllowedByRule);
        Assert.Equal(("BLOCK", "allow-api", "rules.yaml", "destination 127.0.0.1 is loopback"), (e.Decision, e.RuleId, e.RuleFile, e.Reason));
    }

    [Fact]
    public void A_block_before_any_rule_has_empty_rule_fields()
    {
        var e = AuditEvent.Blocked(Admit("GET http://a.test/ HTTP/1.1\r\nHost: a.test\r\n\r\n", agent: ""), "unknown agent", null);
        Assert.Equal(("", "", "", "unknown agent"), (e.Agent, e.RuleId, e.RuleFile, e.Reason));
    }

    [Fact]
    public void The_unavailable_engine_is_a_block_with_its_reason_EC008()
    {
        var e = AuditEvent.Of(Admit("GET http://a.test/ HTTP/1.1\r\nHost: a.test\r\n\r\n"), Verdict.EngineUnavailable);
        Assert.Equal(("BLOCK", "rule engine unavailable", ""), (e.Decision, e.Reason, e.RuleId));
    }
}
