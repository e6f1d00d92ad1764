using Outcall.Egress;

namespace Outcall.Tests.Egress;

/// <summary>The one host-name rule the request parser, the SNI check and the destination guard share (issue 12, issue 13).</summary>
public class HostNameSpecs
{
    [Theory]
    [InlineData("localhost.", "localhost")]
    [InlineData("Example.COM", "example.com")]
    [InlineData("api.example.com.", "api.example.com")]
    [InlineData("my_service.internal-1", "my_service.internal-1")]
    [InlineData("xn--bcher-kva.example", "xn--bcher-kva.example")]
    [InlineData("a1.b2", "a1.b2")]
    public void A_valid_name_is_canonicalised_to_lowercase_without_a_root_dot(string name, string canonical)
    {
        Assert.Equal(HostNameProblem.None, HostName.TryCanonicalize(name, out var result));
        Assert.Equal(canonical, result);
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("example.com..")]
    [InlineData(".example.com")]
    [InlineData("a..b")]
    [InlineData("-a.example")]
    [InlineData("a-.example")]
    [InlineData("exa mple.com")]
    [InlineData("bücher.example")]
    [InlineData("example.1com")]
    public void A_malformed_name_is_refused(string name) =>
        Assert.Equal(HostNameProblem.Malformed, HostName.TryCanonicalize(name, out _));

    [Theory]
    [InlineData("127.1")]
    [InlineData("127.0.0.1.")]
    [InlineData("2130706433")]
    [InlineData("0x7f.0.0.1")]
    [InlineData("1.2.3.4.5")]
    [InlineData("0x")]
    public void A_name_inet_aton_would_read_as_a_number_is_numeric(string name) =>
        Assert.Equal(HostNameProblem.Numeric, HostName.TryCanonicalize(name, out _));

    [Fact]
    public void A_label_of_64_characters_or_a_name_over_253_is_refused()
    {
        Assert.Equal(HostNameProblem.Malformed, HostName.TryCanonicalize(new string('a', 64) + ".example", out _));
        Assert.Equal(HostNameProblem.Malformed, HostName.TryCanonicalize(string.Join('.', Enumerable.Repeat(new string('a', 63), 4)) + ".example", out _));
        Assert.Equal(HostNameProblem.None, HostName.TryCanonicalize(new string('a', 63) + ".example", out _));
    }

    [Fact]
    public void The_SNI_form_takes_no_trailing_dot()
    {
        Assert.True(HostName.IsValid("example.com"));
        Assert.False(HostName.IsValid("example.com."));
    }
}
