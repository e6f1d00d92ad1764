using Outcall.Http;
using Outcall.Proxy;
using Outcall.Rules;
using Outcall.Tests.Cel;
using Outcall.Tests.Http;

namespace Outcall.Tests.Rules;

/// <summary>
/// Every variable of Outcall's rule context (S003-IF-013, both spec generations; FR-007 / IF-007) is
/// declared with the spec's type, so any Outcall rule file type-checks against the proxy.
/// </summary>
public sealed class ContextSchemaSpecs
{
    // The S003-IF-013 table of outcall-dev/specs (specs/003-rule-engine/interface-requirements.md).
    public static TheoryData<string, string> SpecVariables => new()
    {
        { "network.hostname", "string" }, { "network.ip", "string" }, { "network.port", "int" }, { "network.protocol", "string" },
        { "http.method", "string" }, { "http.path", "string" }, { "http.host", "string" },
        { "http.headers", "map(string, string)" }, { "http.body_size", "int" },
        { "dns.query", "string" }, { "dns.record_type", "string" },
        { "docker.image", "string" }, { "docker.command", "list(string)" }, { "docker.volumes", "list(string)" },
        { "docker.env_keys", "list(string)" }, { "docker.capabilities", "list(string)" },
        { "run.tool", "string" }, { "run.args", "list(string)" }, { "run.flags", "list(string)" },
        { "run.cwd", "string" }, { "run.context", "map(string, dyn)" },
        { "agent.name", "string" },
    };

    [Theory]
    [MemberData(nameof(SpecVariables))]
    public void Every_S003_IF_013_variable_is_declared_with_the_spec_type(string name, string type)
    {
        var slot = EvaluationContext.Environment.SlotOf(name);

        Assert.True(slot >= 0, $"{name} is not declared");
        Assert.Equal(type, EvaluationContext.Environment.Variables[slot].Type.ToString());
    }

    [Theory]
    [InlineData("run.tool == \"\" && run.cwd == \"\" && run.args == [] && run.flags == [] && size(run.context) == 0")]
    [InlineData("docker.image == \"\" && docker.command == [] && docker.volumes == [] && docker.env_keys == [] && docker.capabilities == []")]
    [InlineData("dns.query == \"\" && dns.record_type == \"\" && dns.type == \"\"")]
    [InlineData("!(\"-f\" in run.flags) && !has(run.context.branch)")]
    public void A_proxy_request_gives_the_namespaces_it_lacks_their_zero_values(string condition)
    {
        var context = ProxyRequest("GET http://example.com/x HTTP/1.1\r\nHost: example.com\r\n\r\n");

        Assert.Equal(true, CelTestContext.Compile(condition).Evaluate(context).Value);
    }

    [Fact]
    public void Http_scheme_is_http_for_a_plain_request_and_empty_at_CONNECT()
    {
        var plain = ProxyRequest("GET http://example.com/x HTTP/1.1\r\nHost: example.com\r\n\r\n");
        var connect = ProxyRequest("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");

        Assert.Equal(("http", ""), (plain.HttpScheme, connect.HttpScheme));
        Assert.Equal(true, CelTestContext.Compile("http.scheme == \"http\"").Evaluate(plain).Value);
    }

    [Fact]
    public void The_SNI_evaluation_keeps_everything_but_the_hostname_FR005()
    {
        var connect = ProxyRequest("CONNECT 10.0.0.1:443 HTTP/1.1\r\nHost: 10.0.0.1:443\r\nUser-Agent: x\r\n\r\n");

        var bySni = RequestContext.WithServerName(connect, "example.com");

        Assert.Equal("example.com", bySni.NetworkHostname);
        Assert.Equal(connect with { NetworkHostname = "example.com" }, bySni);
        Assert.Equal(("10.0.0.1", 443L, "CONNECT", "x"), (bySni.NetworkIp, bySni.NetworkPort, bySni.HttpMethod, bySni.HttpHeaders["user-agent"]));
    }

    [Fact]
    public void Lists_and_the_run_context_map_work_in_conditions()
    {
        var context = new EvaluationContext
        {
            RunTool = "git",
            RunFlags = ["-f", "--quiet"],
            RunContext = new Dictionary<object, object?> { ["branch"] = "main", ["depth"] = 3L },
            DockerCapabilities = ["NET_ADMIN"],
        };

        var condition = CelTestContext.Compile(
            "run.tool == \"git\" && \"-f\" in run.flags && run.context.branch == \"main\" && run.context[\"depth\"] == 3 && docker.capabilities.exists(c, c == \"NET_ADMIN\")");

        Assert.Equal(true, condition.Evaluate(context).Value);
    }

    [Fact]
    public void A_context_never_prints_header_values()
    {
        var context = ProxyRequest("GET http://example.com/x HTTP/1.1\r\nHost: example.com\r\nAuthorization: Bearer s3cret\r\n\r\n");

        Assert.DoesNotContain("s3cret", context.ToString());
    }

    private static EvaluationContext ProxyRequest(string head) => RequestContext.For(HttpText.ParseRequest(head).Head!, agentName: "");
}
