using System.Security.Cryptography;
using System.Text;
using Outcall.Http;
using Outcall.Proxy;

namespace Outcall.Tests.Identity;

/// <summary>The Basic credential check on its own (S006 FR-014, generation A): plain and salted-hash tokens.</summary>
public sealed class ProxyAuthenticatorSpecs
{
    private static readonly ProxyAuthenticator Authenticator = new(new Dictionary<string, AgentToken>
    {
        ["builder"] = AgentToken.Parse("s3cret", "builder"),
        ["hashed"] = AgentToken.Parse(SaltedHash("pepper", "tok:en"), "hashed"),
    });

    public static string SaltedHash(string salt, string token) =>
        $"sha256:{salt}:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(salt + token)))}";

    public static string Basic(string userAndToken) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(userAndToken));

    private static ProxyCredential Check(params string[] values) =>
        Authenticator.Authenticate(values.Select(v => new HeaderField("Proxy-Authorization", v)).ToList());

    [Fact]
    public void A_correct_plain_token_names_its_agent()
    {
        Assert.Equal(new ProxyCredential(ProxyCredentialStatus.Valid, "builder"), Check(Basic("builder:s3cret")));
    }

    [Fact]
    public void A_token_stored_as_a_salted_hash_is_checked_against_the_hash_and_may_contain_colons()
    {
        Assert.Equal(new ProxyCredential(ProxyCredentialStatus.Valid, "hashed"), Check(Basic("hashed:tok:en")));
    }

    [Theory]
    [InlineData("builder:s3cre")]
    [InlineData("builder:s3cret2")]
    [InlineData("builder:")]
    [InlineData("Builder:s3cret")]
    [InlineData("nobody:s3cret")]
    [InlineData("hashed:tok")]
    public void A_wrong_token_or_an_unknown_agent_is_invalid(string credential)
    {
        Assert.Equal(ProxyCredential.Invalid, Check(Basic(credential)));
    }

    [Fact]
    public void The_scheme_is_case_insensitive_and_surrounding_spaces_are_allowed()
    {
        Assert.Equal(ProxyCredentialStatus.Valid, Check("  bAsIc   " + Convert.ToBase64String("builder:s3cret"u8.ToArray()) + " ").Status);
    }

    [Theory]
    [InlineData("Bearer czNjcmV0")]
    [InlineData("Basic")]
    [InlineData("Basic not*base64")]
    [InlineData("Basic YnVpbGRlcjpzM2NyZXQ= extra")]
    [InlineData("Basicxyz")]
    public void Anything_but_one_Basic_credential_is_invalid(string value)
    {
        Assert.Equal(ProxyCredential.Invalid, Check(value));
    }

    [Fact]
    public void A_credential_without_a_colon_or_with_an_empty_agent_is_invalid()
    {
        Assert.Equal(ProxyCredential.Invalid, Check(Basic("builders3cret")));
        Assert.Equal(ProxyCredential.Invalid, Check(Basic(":s3cret")));
    }

    [Fact]
    public void An_agent_name_that_is_not_UTF8_is_invalid()
    {
        Assert.Equal(ProxyCredential.Invalid, Check("Basic " + Convert.ToBase64String([0xff, 0xfe, (byte)':', (byte)'x'])));
    }

    [Fact]
    public void Two_Proxy_Authorization_fields_are_invalid_even_when_one_is_right()
    {
        Assert.Equal(ProxyCredential.Invalid, Check(Basic("builder:s3cret"), Basic("builder:s3cret")));
    }

    [Fact]
    public void A_request_without_the_field_has_no_credential()
    {
        Assert.Equal(ProxyCredential.Absent, Authenticator.Authenticate([new HeaderField("Authorization", Basic("builder:s3cret"))]));
    }
}
