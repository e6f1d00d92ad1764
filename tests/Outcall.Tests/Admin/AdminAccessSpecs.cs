using System.Net;
using System.Net.Http.Headers;
using Akka.Configuration;
using Outcall.Host.Admin;
using Outcall.Tests.Cli;
using Outcall.Tests.Proxy;

namespace Outcall.Tests.Admin;

/// <summary>
/// S010's local-UI rules on the admin listener (issue 15): a foreign Origin cannot change state, and with
/// outcall.admin.token set nothing but the page's files and /ready answers without the token.
/// </summary>
public sealed class AdminAccessSpecs : IAsyncLifetime
{
    /// <summary>256 bits as `openssl rand -hex 32` prints them.</summary>
    public const string Token = "5f0c3a9e4b7d21f68a0e9c3b5d7f1a2c4e6b8d0f1a3c5e7b9d1f3a5c7e9b0d2f";

    private ProxyHarness _open = null!;
    private ProxyHarness _guarded = null!;

    public async Task InitializeAsync()
    {
        _open = await ProxyHarness.StartAsync(AdminNode.Rules, ProxyHarness.WithAdmin);
        _guarded = await ProxyHarness.StartAsync(AdminNode.Rules, $"{ProxyHarness.WithAdmin}\noutcall.admin.token = \"{Token}\"");
    }

    public async Task DisposeAsync()
    {
        await _open.DisposeAsync();
        await _guarded.DisposeAsync();
    }

    private static async Task<HttpStatusCode> SendAsync(ProxyHarness node, HttpMethod method, string path, params (string Name, string Value)[] headers)
    {
        using var client = new HttpClient { BaseAddress = node.AdminUri, Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(method, path);
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    [Theory]
    [InlineData("http://evil.example")]
    [InlineData("http://127.0.0.1:1")]
    [InlineData("null")]
    public async Task A_reload_posted_from_a_foreign_Origin_is_refused_with_403(string origin)
    {
        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(_open, HttpMethod.Post, "/api/v1/rules/reload", ("Origin", origin)));
    }

    [Fact]
    public async Task A_reload_posted_from_the_page_own_origin_or_without_an_Origin_is_served()
    {
        var own = $"http://{_open.AdminUri.Authority}";
        Assert.Equal(HttpStatusCode.OK, await SendAsync(_open, HttpMethod.Post, "/api/v1/rules/reload", ("Origin", own)));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(_open, HttpMethod.Post, "/api/v1/rules/reload"));
    }

    [Fact]
    public async Task A_foreign_Origin_is_refused_even_with_the_token()
    {
        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(_guarded, HttpMethod.Post, "/api/v1/rules/reload",
            ("Origin", "http://evil.example"), (AdminAccess.TokenHeader, Token)));
    }

    [Fact]
    public async Task Without_a_configured_token_the_API_answers_without_one()
    {
        Assert.Equal(HttpStatusCode.OK, await SendAsync(_open, HttpMethod.Get, "/api/v1/rules"));
    }

    [Theory]
    [InlineData("/api/v1/rules")]
    [InlineData("/api/v1/events/recent")]
    [InlineData("/api/v1/events")]
    [InlineData("/metrics")]
    public async Task With_a_token_configured_a_request_without_it_gets_401(string path)
    {
        using var client = new HttpClient { BaseAddress = _guarded.AdminUri, Timeout = TimeSpan.FromSeconds(10) };
        using var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        Assert.DoesNotContain(Token, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_401_of_an_API_path_is_the_envelope_naming_the_setting()
    {
        using var http = new AdminHttp(_guarded.AdminUri);
        var (status, body) = await http.GetJsonAsync("/api/v1/proxy");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        AdminHttp.Envelope(body, success: false);
        Assert.Contains(AdminToken.Key, body.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("Authorization", "Bearer 5f0c3a9e4b7d21f68a0e9c3b5d7f1a2c4e6b8d0f1a3c5e7b9d1f3a5c7e9b0d2e")]
    [InlineData("Authorization", "Bearer 5f0c3a9e")]
    [InlineData("Authorization", "Basic NWYwYzNhOWU=")]
    [InlineData("X-Outcall-Token", "5f0c3a9e4b7d21f68a0e9c3b5d7f1a2c4e6b8d0f1a3c5e7b9d1f3a5c7e9b0d2")]
    [InlineData("X-Outcall-Token", "")]
    public async Task A_wrong_token_gets_401(string header, string value)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(_guarded, HttpMethod.Get, "/api/v1/rules", (header, value)));
    }

    [Theory]
    [InlineData("Authorization", "Bearer " + Token)]
    [InlineData("Authorization", "bearer " + Token)]
    [InlineData("X-Outcall-Token", Token)]
    public async Task The_right_token_as_Bearer_or_X_Outcall_Token_is_served(string header, string value)
    {
        Assert.Equal(HttpStatusCode.OK, await SendAsync(_guarded, HttpMethod.Get, "/api/v1/rules", (header, value)));
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/app.js")]
    [InlineData("/app.css")]
    [InlineData("/ready")]
    public async Task The_page_files_and_the_readiness_probe_need_no_token(string path)
    {
        Assert.Equal(HttpStatusCode.OK, await SendAsync(_guarded, HttpMethod.Get, path));
    }

    [Fact]
    public async Task The_token_never_reaches_the_log()
    {
        await SendAsync(_guarded, HttpMethod.Get, "/api/v1/rules", (AdminAccess.TokenHeader, Token));
        await SendAsync(_guarded, HttpMethod.Post, "/api/v1/rules/reload", ("Authorization", "Bearer " + Token));
        await SendAsync(_guarded, HttpMethod.Get, "/api/v1/rules", (AdminAccess.TokenHeader, Token + "x"));
        Assert.NotEmpty(_guarded.Log.Lines());
        Assert.DoesNotContain(_guarded.Log.Lines(), line => line.Contains(Token, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task The_CLI_sends_the_token_of_its_configuration()
    {
        var config = Path.Combine(_guarded.RulesDir.FullName, "cli.conf");
        await File.WriteAllTextAsync(config, $"outcall.admin.token = \"{Token}\"\n");
        var target = AdminCommands.Target(_guarded.AdminUri.ToString(), config);
        Assert.DoesNotContain(Token, target.ToString());
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        Assert.Equal(0, await AdminCommands.ProxyStatusAsync(target, stdout, stderr));
        Assert.Contains("listening:", stdout.ToString());
    }

    [Fact]
    public async Task The_CLI_without_the_token_is_told_which_setting_it_lacks()
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        Assert.Equal(1, await AdminCommands.ProxyStatusAsync(new AdminTarget(_guarded.AdminUri, null), stdout, stderr));
        Assert.Contains(AdminToken.Key, stderr.ToString());
    }
}

/// <summary>outcall.admin.token's own rules: at least 256 bits, hex or base64, never printed.</summary>
public sealed class AdminTokenSpecs
{
    [Theory]
    [InlineData(AdminAccessSpecs.Token)]
    [InlineData("q4l2Rk9sV1d3Y2pXb0NqQlpZc2R0Z2JvVXh2eWtqTm9")]
    [InlineData("q4l2Rk9sV1d3Y2pXb0NqQlpZc2R0Z2JvVXh2eWtqTm9=")]
    public void A_token_of_256_bits_in_hex_or_base64_is_accepted(string token)
    {
        var settings = AdminSettings.Create(ConfigurationFactory.ParseString($"outcall.admin.token = \"{token}\""));
        Assert.NotNull(settings.Token);
        Assert.True(settings.Token.Matches(token));
        Assert.False(settings.Token.Matches(token[..^1]));
    }

    [Theory]
    [InlineData("5f0c3a9e4b7d21f68a0e9c3b5d7f1a2c4e6b8d0f1a3c5e7b9d1f3a5c7e9b0d2", "252 bits")]
    [InlineData("q4l2Rk9sV1d3Y2pXb0NqQlpZc2R0Z2JvVXh2eWtqTm", "252 bits")]
    [InlineData("s3cret", "too short: 36 bits")]
    [InlineData("correct horse battery staple correct horse battery staple!", "must be hex digits or base64")]
    public void A_shorter_or_malformed_token_is_a_configuration_error_naming_the_key(string token, string why)
    {
        var error = Assert.Throws<ConfigurationException>(() => AdminSettings.Create(ConfigurationFactory.ParseString($"outcall.admin.token = \"{token}\"")));
        Assert.Contains("outcall.admin.token", error.Message);
        Assert.Contains(why, error.Message);
    }

    [Fact]
    public void No_token_is_the_default()
    {
        Assert.Null(AdminSettings.Create(Config.Empty).Token);
    }

    [Fact]
    public void The_settings_print_without_the_token()
    {
        var settings = AdminSettings.Create(ConfigurationFactory.ParseString($"outcall.admin.token = \"{AdminAccessSpecs.Token}\""));
        Assert.DoesNotContain(AdminAccessSpecs.Token, settings.ToString());
    }

    [Fact]
    public async Task A_node_configured_with_a_short_token_does_not_start_and_names_the_key()
    {
        var dir = Directory.CreateTempSubdirectory("outcall-token-");
        try
        {
            var config = Path.Combine(dir.FullName, "outcall.conf");
            await File.WriteAllTextAsync(config, "outcall.admin.listen = \"127.0.0.1:0\"\noutcall.proxy.listen = \"127.0.0.1:0\"\noutcall.admin.token = \"0123456789abcdef\"\n");
            var (exit, _, err) = await OutcallProcess.RunAsync(dir.FullName, "run", "--config", config);
            Assert.NotEqual(0, exit);
            Assert.Contains("outcall.admin.token is too short: 64 bits", err);
            Assert.DoesNotContain("0123456789abcdef", err);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
