using System.Net;
using Akka.Configuration;
using Outcall.Http;
using Outcall.Proxy;

namespace Outcall.Tests.Identity;

/// <summary>
/// `outcall.identity.tokens` and `require-proxy-auth`: how they load, what they refuse, and how a request's
/// credential and its network decide its agent (S006 FR-014, generation A).
/// </summary>
public sealed class IdentitySettingsSpecs
{
    private static AgentDirectory Load(string hocon) => AgentDirectory.Create(ConfigurationFactory.ParseString(hocon));

    private static IReadOnlyList<HeaderField> Credential(string userAndToken) =>
        [new HeaderField("Proxy-Authorization", ProxyAuthenticatorSpecs.Basic(userAndToken))];

    [Fact]
    public void By_default_there_are_no_tokens_and_no_credential_is_required()
    {
        var identity = Load("");
        Assert.Empty(identity.Tokens);
        Assert.False(identity.RequireProxyAuth);
    }

    [Fact]
    public void Plain_and_hashed_tokens_load_and_only_the_plain_one_keeps_its_text()
    {
        var identity = Load($$"""outcall.identity.tokens { builder = "s3cret", "ci-runners" = "{{ProxyAuthenticatorSpecs.SaltedHash("salt", "t")}}" }""");
        Assert.Equal("s3cret", identity.Tokens["builder"].PlainText);
        Assert.Null(identity.Tokens["ci-runners"].PlainText);
    }

    [Theory]
    [InlineData("sha256:salt:abc")]
    [InlineData("sha256::0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("sha256:a:b:0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("sha256:salt:zz00000000000000000000000000000000000000000000000000000000000000")]
    public void A_malformed_hash_is_refused_naming_the_key_but_not_the_value(string value)
    {
        var error = Assert.Throws<ConfigurationException>(() => Load($$"""outcall.identity.tokens { builder = "{{value}}" }"""));
        Assert.Contains("outcall.identity.tokens.builder", error.Message);
        Assert.DoesNotContain(value, error.Message);
    }

    [Fact]
    public void An_empty_token_is_refused()
    {
        var error = Assert.Throws<ConfigurationException>(() => Load("""outcall.identity.tokens { builder = "" }"""));
        Assert.Contains("outcall.identity.tokens.builder", error.Message);
    }

    [Fact]
    public void An_agent_name_with_a_colon_is_refused_since_Basic_cannot_carry_it()
    {
        var error = Assert.Throws<ConfigurationException>(() => Load("""outcall.identity.tokens { "a:b" = "t" }"""));
        Assert.Contains("':'", error.Message);
    }

    [Fact]
    public void Requiring_proxy_auth_without_any_token_is_refused()
    {
        var error = Assert.Throws<ConfigurationException>(() => Load("outcall.identity.require-proxy-auth = on"));
        Assert.Contains("outcall.identity.require-proxy-auth", error.Message);
    }

    [Fact]
    public void Without_tokens_a_Proxy_Authorization_field_is_ignored_and_the_network_names_the_agent()
    {
        var identity = Load("");
        Assert.Equal(new AgentIdentity("net", null), identity.Identify("net", Credential("builder:whatever")));
    }

    [Fact]
    public void A_valid_credential_overrides_the_network_agent()
    {
        var identity = Load("""outcall.identity.tokens { builder = "s3cret" }""");
        Assert.Equal(new AgentIdentity("builder", null), identity.Identify("net", Credential("builder:s3cret")));
    }

    [Fact]
    public void With_optional_auth_a_request_without_a_credential_keeps_its_network_agent()
    {
        var identity = Load("""outcall.identity.tokens { builder = "s3cret" }""");
        Assert.Equal(new AgentIdentity("net", null), identity.Identify("net", []));
    }

    [Fact]
    public void A_wrong_credential_is_refused_even_when_auth_is_optional()
    {
        var identity = Load("""outcall.identity.tokens { builder = "s3cret" }""");
        Assert.Equal("proxy authentication failed", identity.Identify("net", Credential("builder:nope")).AuthenticationProblem);
    }

    [Fact]
    public void With_required_auth_a_request_without_a_credential_is_refused()
    {
        var identity = Load("outcall.identity { tokens { builder = \"s3cret\" }\nrequire-proxy-auth = on }");
        Assert.Equal("proxy authentication required", identity.Identify("net", []).AuthenticationProblem);
    }

    [Fact]
    public void The_network_map_still_loads_next_to_the_tokens()
    {
        var identity = Load("outcall.identity { agents { net = [\"10.0.0.0/8\"] }\ntokens { builder = \"s3cret\" } }");
        Assert.Equal("net", identity.NameOf(IPAddress.Parse("10.1.2.3")));
    }
}
