using Outcall.Rules;

namespace Outcall.Tests.Rules;

/// <summary>The JSON form of a rule context (IF-007 variables) used by `rules test` and the admin API.</summary>
public sealed class EvaluationContextJsonSpecs
{
    [Fact]
    public void Every_variable_can_be_given()
    {
        var context = EvaluationContextJson.Parse("""
            {"network": {"hostname": "api.github.com", "ip": "140.82.112.6", "port": 443, "protocol": "tcp"},
             "http": {"method": "GET", "path": "/repos", "host": "api.github.com", "headers": {"User-Agent": "curl"}, "body_size": 12},
             "agent": {"name": "claude"}, "dns": {"query": "q", "type": "A"},
             "docker": {"container_id": "c1", "container_name": "n", "image": "python:3", "labels": {"Team": "x"}},
             "run": {"id": "r1"}}
            """);

        Assert.Equal(("api.github.com", "140.82.112.6", 443L, "tcp"), (context.NetworkHostname, context.NetworkIp, context.NetworkPort, context.NetworkProtocol));
        Assert.Equal(("GET", "/repos", "api.github.com", 12L), (context.HttpMethod, context.HttpPath, context.HttpHost, context.HttpBodySize));
        Assert.Equal("curl", context.HttpHeaders["user-agent"]);
        Assert.Equal(("claude", "q", "A", "r1"), (context.AgentName, context.DnsQuery, context.DnsRecordType, context.RunId));
        Assert.Equal(("c1", "n", "python:3", "x"), (context.DockerContainerId, context.DockerContainerName, context.DockerImage, context.DockerLabels["Team"]));
    }

    [Fact]
    public void Every_S003_IF_013_list_and_map_variable_can_be_given()
    {
        var context = EvaluationContextJson.Parse("""
            {"http": {"scheme": "http"}, "dns": {"record_type": "AAAA"},
             "docker": {"command": ["python", "app.py"], "volumes": ["/work"], "env_keys": ["HOME"], "capabilities": ["NET_ADMIN"]},
             "run": {"tool": "git", "cwd": "/src", "args": ["push"], "flags": ["-f"],
                     "context": {"branch": "main", "depth": 3, "ratio": 0.5, "ci": true, "none": null, "tags": ["a"], "owner": {"team": "x"}}}}
            """);

        Assert.Equal(("http", "AAAA", "git", "/src"), (context.HttpScheme, context.DnsRecordType, context.RunTool, context.RunCwd));
        Assert.Equal(["python", "app.py"], context.DockerCommand);
        Assert.Equal(["/work"], context.DockerVolumes);
        Assert.Equal(["HOME"], context.DockerEnvKeys);
        Assert.Equal(["NET_ADMIN"], context.DockerCapabilities);
        Assert.Equal(["push"], context.RunArgs);
        Assert.Equal(["-f"], context.RunFlags);
        var condition = "run.context.branch == 'main' && run.context.depth == 3 && run.context.ratio == 0.5 && run.context.ci"
            + " && run.context.none == null && 'a' in run.context.tags && run.context.owner.team == 'x'";
        Assert.Equal(true, Cel.CelTestContext.Compile(condition).Evaluate(context).Value);
    }

    [Fact]
    public void Dns_type_is_the_older_name_of_dns_record_type()
    {
        var context = EvaluationContextJson.Parse("""{"dns": {"type": "A"}}""");

        Assert.Equal(true, Cel.CelTestContext.Compile("dns.record_type == 'A' && dns.type == 'A'").Evaluate(context).Value);
    }

    [Fact]
    public void Variables_not_given_keep_their_zero_values()
    {
        var context = EvaluationContextJson.Parse("{}");

        Assert.Equal(("", 0L, "tcp", ""), (context.NetworkHostname, context.NetworkPort, context.NetworkProtocol, context.HttpMethod));
        Assert.Empty(context.HttpHeaders);
    }

    [Theory]
    [InlineData("""{"netwrk": {"hostname": "x"}}""", "unknown context field 'netwrk.hostname'")]
    [InlineData("""{"network": {"host": "x"}}""", "unknown context field 'network.host'")]
    [InlineData("""{"network": {"port": "443"}}""", "'network.port' must be an integer")]
    [InlineData("""{"network": {"port": 1.5}}""", "'network.port' must be an integer")]
    [InlineData("""{"network": {"hostname": 1}}""", "'network.hostname' must be a string")]
    [InlineData("""{"http": {"headers": {"a": 1}}}""", "entry 'a' must be a string")]
    [InlineData("""{"http": {"headers": {"A": "x", "a": "y"}}}""", "has entry 'a' twice")]
    [InlineData("""{"http": {"headers": []}}""", "must be an object of strings")]
    [InlineData("""{"network": "x"}""", "namespace 'network' must be an object")]
    [InlineData("""[]""", "must be a JSON object")]
    [InlineData("""{"network": {""", "not valid JSON")]
    [InlineData("""{"network": {"hostname": "a", "hostname": "b"}}""", "given twice")]
    [InlineData("""{"dns": {"type": "A", "record_type": "A"}}""", "are the same variable")]
    [InlineData("""{"run": {"flags": "-f"}}""", "'run.flags' must be an array of strings")]
    [InlineData("""{"run": {"flags": ["-f", 1]}}""", "'run.flags' item 1 must be a string")]
    [InlineData("""{"run": {"context": []}}""", "'run.context' must be an object")]
    [InlineData("""{"run": {"context": {"a": 1, "a": 2}}}""", "has entry 'a' twice")]
    public void A_context_that_does_not_fit_the_schema_is_a_format_error(string json, string expected)
    {
        Assert.Contains(expected, Assert.Throws<FormatException>(() => EvaluationContextJson.Parse(json)).Message);
    }

    [Fact]
    public void Errors_never_echo_values()
    {
        var error = Assert.Throws<FormatException>(() => EvaluationContextJson.Parse("""{"http": {"headers": {"authorization": ["s3cret"]}}}"""));

        Assert.DoesNotContain("s3cret", error.Message);
    }
}
