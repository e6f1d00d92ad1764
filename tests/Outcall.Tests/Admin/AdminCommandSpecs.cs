using System.Net;
using System.Net.Sockets;
using Akka.Configuration;
using Outcall.Host;
using Outcall.Host.Admin;
using Outcall.Host.Cli;
using Outcall.Tests.Proxy;

namespace Outcall.Tests.Admin;

/// <summary>`outcall proxy status` and `outcall rules reload` against a running node.</summary>
public sealed class AdminCommandSpecs : IAsyncLifetime
{
    private ProxyHarness _proxy = null!;
    private readonly StringWriter _stdout = new();
    private readonly StringWriter _stderr = new();

    public async Task InitializeAsync() =>
        _proxy = await ProxyHarness.StartAsync(AdminNode.Rules, $"{ProxyHarness.WithAdmin}\noutcall.rules.watch = off");

    public async Task DisposeAsync() => await _proxy.DisposeAsync();

    private static string[] Lines(StringWriter writer) => writer.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public async Task Proxy_status_prints_every_field_as_aligned_key_value_lines()
    {
        var exit = await AdminCommands.ProxyStatusAsync(new AdminTarget(_proxy.AdminUri, null), _stdout, _stderr);
        Assert.Equal(0, exit);
        var lines = Lines(_stdout);
        Assert.Equal(["listening", "listen_address", "active_connections", "active_tunnels", "total_requests", "total_blocked"],
            lines.Select(l => l[..l.IndexOf(':')]));
        var valueColumn = lines[0].Length - lines[0].TrimEnd().Split(' ')[^1].Length;
        Assert.All(lines, line => Assert.Matches(@"^[a-z_]+: +\S+$", line));
        Assert.All(lines, line => Assert.Equal(valueColumn, line.Length - line.Split(' ')[^1].Length));
        Assert.Contains($"listen_address:     {_proxy.Endpoint}", lines);
        Assert.Empty(_stderr.ToString());
    }

    [Fact]
    public async Task Proxy_status_against_an_unreachable_admin_API_exits_1_with_one_line()
    {
        var exit = await AdminCommands.ProxyStatusAsync(new AdminTarget(ClosedPortUri(), null), _stdout, _stderr);
        Assert.Equal(1, exit);
        var line = Assert.Single(Lines(_stderr));
        Assert.StartsWith("outcall: cannot reach the admin API at http://127.0.0.1:", line);
        Assert.Empty(_stdout.ToString());
    }

    [Fact]
    public async Task Rules_reload_prints_the_new_rule_count_and_hash()
    {
        await File.WriteAllTextAsync(Path.Combine(_proxy.RulesDir.FullName, "extra.yaml"), """
            version: "1"
            rules:
              - id: allow-docs
                condition: network.hostname == "docs.test"
                action: allow
            """);
        var exit = await AdminCommands.RulesReloadAsync(new AdminTarget(_proxy.AdminUri, null), _stdout, _stderr);
        Assert.Equal(0, exit);
        var hash = Outcall.Rules.RuleSetLoader.Load(_proxy.RulesDir.FullName).RuleSet!.ContentHash;
        Assert.Equal($"reloaded: 3 rules, hash {hash}", Assert.Single(Lines(_stdout)));
    }

    [Fact]
    public async Task Rules_reload_of_a_rejected_set_exits_1_listing_the_errors()
    {
        await File.WriteAllTextAsync(Path.Combine(_proxy.RulesDir.FullName, "broken.yaml"), "version: \"1\"\nrules:\n  - id: x\n    condition: \"1 +\"\n    action: allow\n");
        var exit = await AdminCommands.RulesReloadAsync(new AdminTarget(_proxy.AdminUri, null), _stdout, _stderr);
        Assert.Equal(1, exit);
        var lines = Lines(_stderr);
        Assert.Contains(lines, l => l.StartsWith("error: broken.yaml", StringComparison.Ordinal));
        Assert.StartsWith("outcall: reload rejected; still active: 2 rules", lines[^1]);
        Assert.Empty(_stdout.ToString());
    }

    [Fact]
    public async Task The_outcall_executable_reloads_through_the_admin_flag_and_fails_with_exit_1_when_unreachable()
    {
        Assert.Equal(0, await Program.Main(["rules", "reload", "--admin", _proxy.AdminUri.ToString()]));
        Assert.Equal(1, await Program.Main(["proxy", "status", "--admin", ClosedPortUri().ToString()]));
    }

    [Theory]
    [InlineData("proxy", "status", "--bogus", "x")]
    [InlineData("proxy", "status", "--admin")]
    [InlineData("rules", "reload", "--rules-dir", "x")]
    [InlineData("proxy", "stats")]
    [InlineData("proxy", "status", "--admin", "ftp://127.0.0.1:1")]
    public async Task A_bad_command_line_exits_2(params string[] args)
    {
        Assert.Equal(2, await Program.Main(args));
    }

    [Fact]
    public void The_new_commands_parse_their_flags_and_other_rules_commands_still_go_to_the_rules_command()
    {
        Assert.Equal(new ProxyStatusCommand("http://127.0.0.1:1", "x.conf"), CommandLine.Parse(["proxy", "status", "--admin", "http://127.0.0.1:1", "--config=x.conf"]));
        Assert.Equal(new RulesReloadCommand(null, null), CommandLine.Parse(["rules", "reload"]));
        Assert.IsType<RulesListCommand>(CommandLine.Parse(["rules", "list"]));
    }

    [Theory]
    [InlineData("127.0.0.1:9091", "http://127.0.0.1:9091/")]
    [InlineData("http://localhost:9091", "http://localhost:9091/")]
    [InlineData("http://[::1]:9091/", "http://[::1]:9091/")]
    public void An_admin_flag_is_an_http_base_address(string flag, string expected)
    {
        Assert.Equal(new Uri(expected), AdminCommands.ParseAdminUrl(flag));
    }

    [Theory]
    [InlineData("https://127.0.0.1:9091")]
    [InlineData("http://127.0.0.1:9091/api")]
    [InlineData("http://127.0.0.1:9091/?q=1")]
    [InlineData("http://user:pw@127.0.0.1:9091")]
    [InlineData("not a url")]
    [InlineData("http://\uffff:9091")]
    public void Anything_else_as_admin_flag_is_a_usage_error(string flag)
    {
        Assert.Throws<UsageException>(() => AdminCommands.ParseAdminUrl(flag));
    }

    [Theory]
    [InlineData("127.0.0.1:9091", "http://127.0.0.1:9091/")]
    [InlineData("0.0.0.0:9191", "http://127.0.0.1:9191/")]
    [InlineData("[::]:9191", "http://[::1]:9191/")]
    public void The_default_admin_address_comes_from_the_config_with_wildcards_reached_on_loopback(string listen, string expected)
    {
        var settings = AdminSettings.Create(ConfigurationFactory.ParseString($"outcall.admin.listen = \"{listen}\""));
        Assert.Equal(new Uri(expected), AdminCommands.BaseUri(settings));
    }

    [Fact]
    public void With_the_admin_API_disabled_and_no_flag_the_commands_say_so()
    {
        var settings = AdminSettings.Create(ConfigurationFactory.ParseString("outcall.admin.listen = \"\""));
        Assert.Contains("--admin", Assert.Throws<StartupException>(() => AdminCommands.BaseUri(settings)).Message);
    }

    /// <summary>A loopback port nothing listens on: bound by us, then released.</summary>
    private static Uri ClosedPortUri()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}/");
    }
}
