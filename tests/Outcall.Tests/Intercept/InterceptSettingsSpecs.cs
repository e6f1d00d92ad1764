using Akka.Configuration;
using Outcall.Intercept;

namespace Outcall.Tests.Intercept;

/// <summary>Issue 14 / S011-IF-001..004: the `outcall.intercept` section, its defaults and its validation.</summary>
public sealed class InterceptSettingsSpecs
{
    private static InterceptSettings From(string hocon) => InterceptSettings.Create(ConfigurationFactory.ParseString(hocon));

    private static string RefusalOf(string hocon) => Assert.Throws<ConfigurationException>(() => From(hocon)).Message;

    [Fact]
    public void The_defaults_configure_no_CA_and_the_documented_limits()
    {
        var settings = InterceptSettings.Create(Config.Empty);

        Assert.Equal("", settings.CaCert);
        Assert.Equal("", settings.CaKey);
        Assert.False(settings.CaConfigured);
        Assert.Equal(TimeSpan.FromHours(24), settings.LeafTtl);
        Assert.Equal(1024, settings.LeafCache);
        Assert.Equal(1024 * 1024, settings.BodyCap);
        Assert.Empty(settings.UpstreamTrust);
    }

    [Fact]
    public void Every_key_is_read()
    {
        var settings = From("""
            outcall.intercept {
              ca-cert = "/etc/outcall/ca/ca.crt"
              ca-key = "/etc/outcall/ca/ca.key"
              leaf-ttl = 2h
              leaf-cache = 64
              body-cap = 64KiB
              upstream-trust = ["/etc/ssl/private-ca.pem", "/srv/test-origin.pem"]
            }
            """);

        Assert.Equal(
            new InterceptSettings("/etc/outcall/ca/ca.crt", "/etc/outcall/ca/ca.key", TimeSpan.FromHours(2), 64, 64 * 1024,
                ["/etc/ssl/private-ca.pem", "/srv/test-origin.pem"]),
            settings);
        Assert.True(settings.CaConfigured);
    }

    [Fact]
    public void A_certificate_without_a_key_is_refused_naming_the_missing_key()
    {
        Assert.StartsWith("outcall.intercept.ca-key must be set", RefusalOf("""outcall.intercept.ca-cert = "/ca.crt" """));
    }

    [Fact]
    public void A_key_without_a_certificate_is_refused_naming_the_missing_certificate()
    {
        Assert.StartsWith("outcall.intercept.ca-cert must be set", RefusalOf("""outcall.intercept.ca-key = "/ca.key" """));
    }

    [Theory]
    [InlineData("30s")]
    [InlineData("8d")]
    public void A_leaf_ttl_outside_a_minute_to_a_week_is_refused(string ttl)
    {
        Assert.StartsWith("outcall.intercept.leaf-ttl", RefusalOf($"outcall.intercept.leaf-ttl = {ttl}"));
    }

    [Theory]
    [InlineData("1m")]
    [InlineData("7d")]
    public void The_leaf_ttl_bounds_are_accepted(string ttl)
    {
        Assert.True(From($"outcall.intercept.leaf-ttl = {ttl}").LeafTtl > TimeSpan.Zero);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    public void A_leaf_cache_of_no_entries_is_refused(string size)
    {
        Assert.StartsWith("outcall.intercept.leaf-cache", RefusalOf($"outcall.intercept.leaf-cache = {size}"));
    }

    [Fact]
    public void A_body_cap_above_16MiB_is_refused()
    {
        Assert.StartsWith("outcall.intercept.body-cap", RefusalOf("outcall.intercept.body-cap = 17MiB"));
    }

    [Fact]
    public void A_body_cap_of_zero_buffers_nothing_and_is_accepted()
    {
        Assert.Equal(0, From("outcall.intercept.body-cap = 0").BodyCap);
    }

    [Fact]
    public void An_empty_upstream_trust_path_is_refused()
    {
        Assert.StartsWith("outcall.intercept.upstream-trust", RefusalOf("""outcall.intercept.upstream-trust = [""]"""));
    }

    [Fact]
    public void Settings_with_the_same_trust_files_are_equal()
    {
        Assert.Equal(From("""outcall.intercept.upstream-trust = ["/a.pem"]"""), From("""outcall.intercept.upstream-trust = ["/a.pem"]"""));
        Assert.NotEqual(From("""outcall.intercept.upstream-trust = ["/a.pem"]"""), From("""outcall.intercept.upstream-trust = ["/b.pem"]"""));
    }
}
