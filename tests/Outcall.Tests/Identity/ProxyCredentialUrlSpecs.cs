using Akka.Configuration;
using Outcall.Proxy;

namespace Outcall.Tests.Identity;

/// <summary>The credentialled proxy URL `outcall env --agent NAME` prints (S006 FR-014, generation A).</summary>
public sealed class ProxyCredentialUrlSpecs
{
    private static readonly AgentDirectory Identity = AgentDirectory.Create(ConfigurationFactory.ParseString(
        $$"""outcall.identity.tokens { builder = "s3cret", odd = "p@ss:w/rd", hashed = "{{ProxyAuthenticatorSpecs.SaltedHash("s", "t")}}" }"""));

    [Fact]
    public void The_agent_and_its_token_become_the_userinfo_of_the_proxy_URL()
    {
        Assert.True(ProxyCredentialUrl.TryBuild("http://10.200.0.1:8080", Identity, "builder", out var url, out _));
        Assert.Equal("http://builder:s3cret@10.200.0.1:8080", url);
    }

    [Fact]
    public void Reserved_characters_of_a_token_are_percent_encoded_so_the_URL_parses_back_to_it()
    {
        Assert.True(ProxyCredentialUrl.TryBuild("http://[::1]:8080", Identity, "odd", out var url, out _));
        var uri = new Uri(url);
        Assert.Equal("odd:p@ss:w/rd", Uri.UnescapeDataString(uri.UserInfo));
        Assert.Equal("[::1]", uri.Host);
        Assert.Equal(8080, uri.Port);
    }

    [Fact]
    public void An_agent_without_a_token_gets_no_URL_and_a_reason()
    {
        Assert.False(ProxyCredentialUrl.TryBuild("http://127.0.0.1:8080", Identity, "ghost", out _, out var problem));
        Assert.Contains("'ghost' has no token", problem);
    }

    [Fact]
    public void An_agent_whose_token_is_only_a_hash_gets_no_URL_and_a_reason()
    {
        Assert.False(ProxyCredentialUrl.TryBuild("http://127.0.0.1:8080", Identity, "hashed", out _, out var problem));
        Assert.Contains("hash", problem);
    }

    [Fact]
    public void A_proxy_URL_that_already_has_credentials_is_refused()
    {
        Assert.False(ProxyCredentialUrl.TryBuild("http://a:b@127.0.0.1:8080", Identity, "builder", out _, out _));
    }
}
