using Outcall.Host.Cli;

namespace Outcall.Tests.Cli;

public sealed class CommandLineSpecs
{
    [Fact]
    public void No_arguments_means_run_on_the_defaults()
    {
        Assert.Equal(new RunCommand(null, null, null), CommandLine.Parse([]));
    }

    [Fact]
    public void Run_flags_are_read_with_or_without_the_run_verb()
    {
        var expected = new RunCommand("c.conf", "127.0.0.1:9000", "rules");
        Assert.Equal(expected, CommandLine.Parse(["--config", "c.conf", "--listen", "127.0.0.1:9000", "--rules-dir", "rules"]));
        Assert.Equal(expected, CommandLine.Parse(["run", "--config=c.conf", "--listen=127.0.0.1:9000", "--rules-dir=rules"]));
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--listen")]
    [InlineData("frobnicate")]
    [InlineData("--listen", "1.2.3.4:1", "--listen", "1.2.3.4:2")]
    public void Unknown_or_incomplete_arguments_are_a_usage_error(params string[] args)
    {
        Assert.Throws<UsageException>(() => CommandLine.Parse(args));
    }

    [Fact]
    public void Env_takes_a_proxy_url()
    {
        Assert.Equal(new EnvCommand("http://10.0.0.1:8080", null, null), CommandLine.Parse(["env", "--proxy-url", "http://10.0.0.1:8080"]));
    }

    [Fact]
    public void The_container_environment_is_the_six_FR016_variables()
    {
        var variables = ContainerEnvironment.For("http://172.17.0.1:8080");
        Assert.Equal(
            ["HTTP_PROXY=http://172.17.0.1:8080", "HTTPS_PROXY=http://172.17.0.1:8080", "http_proxy=http://172.17.0.1:8080",
             "https_proxy=http://172.17.0.1:8080", "NO_PROXY=localhost,127.0.0.1", "no_proxy=localhost,127.0.0.1"],
            variables.Select(v => $"{v.Name}={v.Value}"));
    }

    [Theory]
    [InlineData("ftp://x:1")]
    [InlineData("http://user:pw@x:1")]
    [InlineData("http://x:1/path")]
    [InlineData("not a url")]
    public void A_proxy_url_that_would_not_work_in_a_container_is_refused(string url)
    {
        Assert.Throws<UsageException>(() => ContainerEnvironment.ValidateUrl(url));
    }

    [Fact]
    public async Task Env_with_an_agent_prints_proxy_urls_carrying_its_credentials_FR014()
    {
        var config = Path.GetTempFileName();
        await File.WriteAllTextAsync(config, "outcall.identity.tokens { builder = \"s3cret\" }\noutcall.admin.listen = \"\"");
        try
        {
            var (exit, output, _) = await RunAsync("--config", config, "env", "--proxy-url", "http://172.17.0.1:8080", "--agent", "builder");
            Assert.Equal(0, exit);
            Assert.Contains("HTTP_PROXY=http://builder:s3cret@172.17.0.1:8080", output.Split('\n').Select(l => l.TrimEnd('\r')));
            Assert.Contains("https_proxy=http://builder:s3cret@172.17.0.1:8080", output.Split('\n').Select(l => l.TrimEnd('\r')));
        }
        finally
        {
            File.Delete(config);
        }
    }

    [Fact]
    public async Task Env_for_an_agent_without_a_token_is_an_error_for_the_operator()
    {
        var (exit, output, error) = await RunAsync("env", "--proxy-url", "http://172.17.0.1:8080", "--agent", "nobody");
        Assert.Equal(1, exit);
        Assert.Empty(output);
        Assert.Equal("outcall: agent 'nobody' has no token in outcall.identity.tokens", error.Trim());
    }

    private static async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await CommandLine.RunAsync(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Every command, each with one of its flags that takes any value.</summary>
    public static TheoryData<string[], string> EveryCommandWithAFlag => new()
    {
        { [], "--rules-dir" }, { ["run"], "--listen" }, { ["env"], "--proxy-url" }, { ["rules", "check"], "--rules-dir" },
        { ["rules", "list"], "--rules-dir" }, { ["rules", "test"], "--expr" }, { ["rules", "reload"], "--admin" },
        { ["proxy", "status"], "--admin" }, { ["cluster", "status"], "--admin" }, { ["rules", "check"], "--config" },
        { ["run"], "--ca-cert" }, { ["run"], "--ca-key" }, { ["ca", "init"], "--dir" }, { ["ca", "bundle"], "--ca-cert" },
        { ["ca", "status"], "--ca-key" }, { ["ca", "status"], "--admin" },
    };

    private static string ValueFor(string flag) => flag switch
    {
        "--listen" => "127.0.0.1:1",
        "--proxy-url" or "--admin" => "http://127.0.0.1:1",
        _ => "x",
    };

    [Theory]
    [MemberData(nameof(EveryCommandWithAFlag))]
    public async Task A_repeated_flag_is_refused_by_every_command_with_exit_2(string[] command, string flag)
    {
        var (exit, _, err) = await RunAsync([.. command, flag, ValueFor(flag), $"{flag}={ValueFor(flag)}"]);
        Assert.Equal(2, exit);
        Assert.Equal($"outcall: {flag} given twice", err.Trim());
    }

    [Theory]
    [MemberData(nameof(EveryCommandWithAFlag))]
    public async Task A_flag_without_its_value_is_refused_by_every_command_with_exit_2(string[] command, string flag)
    {
        var (exit, _, err) = await RunAsync([.. command, flag]);
        Assert.Equal(2, exit);
        Assert.Equal($"outcall: {flag} needs a value", err.Trim());
    }

    [Theory]
    [InlineData("run")]
    [InlineData("env")]
    [InlineData("rules", "check")]
    [InlineData("rules", "list")]
    [InlineData("rules", "reload")]
    [InlineData("proxy", "status")]
    [InlineData("cluster", "status")]
    [InlineData("ca", "bundle")]
    [InlineData("ca", "status")]
    public void Config_equals_FILE_is_read_by_every_command_that_reads_the_configuration(params string[] command)
    {
        var parsed = CommandLine.Parse([.. command, "--config=x.conf"]);
        Assert.Equal("x.conf", parsed!.GetType().GetProperty("ConfigFile")!.GetValue(parsed));
    }

    [Fact]
    public void Config_is_accepted_before_the_command_too()
    {
        Assert.Equal(new RulesCheckCommand(null, "x.conf"), CommandLine.Parse(["--config", "x.conf", "rules", "check"]));
    }

    [Fact]
    public void Run_takes_the_admin_listen_address_so_a_run_needs_no_config_file_to_keep_off_the_fixed_port()
    {
        Assert.Equal(new RunCommand(null, "127.0.0.1:0", null, "127.0.0.1:0"), CommandLine.Parse(["--listen", "127.0.0.1:0", "--admin-listen=127.0.0.1:0"]));
        Assert.Contains("--admin-listen must be ADDR:PORT", Assert.Throws<UsageException>(() => CommandLine.Parse(["run", "--admin-listen", "localhost:1"])).Message);
    }

    [Fact]
    public void Run_takes_the_CA_files_issue_14()
    {
        Assert.Equal(new RunCommand(null, null, null, null, "ca.crt", "ca.key"), CommandLine.Parse(["--ca-cert", "ca.crt", "--ca-key=ca.key"]));
        Assert.Equal(new RunCommand(null, null, null, null, "ca.crt", "ca.key"), CommandLine.Parse(["run", "--ca-cert=ca.crt", "--ca-key", "ca.key"]));
    }

    [Fact]
    public void The_ca_commands_bind_their_flags()
    {
        Assert.Equal(new CaInitCommand(null), CommandLine.Parse(["ca", "init"]));
        Assert.Equal(new CaInitCommand("/etc/outcall/ca"), CommandLine.Parse(["ca", "init", "--dir", "/etc/outcall/ca"]));
        Assert.Equal(new CaBundleCommand("ca.crt", "x.conf"), CommandLine.Parse(["ca", "bundle", "--ca-cert", "ca.crt", "--config", "x.conf"]));
        Assert.Equal(new CaStatusCommand("ca.crt", "ca.key", "http://127.0.0.1:1", null),
            CommandLine.Parse(["ca", "status", "--ca-cert", "ca.crt", "--ca-key", "ca.key", "--admin", "http://127.0.0.1:1"]));
    }

    [Fact]
    public void Rules_test_binds_its_expression_and_an_optional_context()
    {
        Assert.Equal(new RulesTestCommand("true", null), CommandLine.Parse(["rules", "test", "--expr", "true"]));
        Assert.Equal(new RulesTestCommand("-1 < 0", "{}"), CommandLine.Parse(["rules", "test", "--expr=-1 < 0", "--context", "{}"]));
    }

    [Theory]
    [InlineData(new string[0], "outcall [command] [options]")]
    [InlineData(new[] { "run" }, "outcall run [options]")]
    [InlineData(new[] { "env" }, "outcall env [options]")]
    [InlineData(new[] { "rules" }, "outcall rules [command] [options]")]
    [InlineData(new[] { "rules", "check" }, "outcall rules check [options]")]
    [InlineData(new[] { "rules", "list" }, "outcall rules list [options]")]
    [InlineData(new[] { "rules", "test" }, "outcall rules test [options]")]
    [InlineData(new[] { "rules", "reload" }, "outcall rules reload [options]")]
    [InlineData(new[] { "proxy", "status" }, "outcall proxy status [options]")]
    [InlineData(new[] { "cluster", "status" }, "outcall cluster status [options]")]
    [InlineData(new[] { "ca" }, "outcall ca [command] [options]")]
    [InlineData(new[] { "ca", "init" }, "outcall ca init [options]")]
    [InlineData(new[] { "ca", "bundle" }, "outcall ca bundle [options]")]
    [InlineData(new[] { "ca", "status" }, "outcall ca status [options]")]
    public async Task Every_command_answers_help_with_its_own_usage_and_exit_0(string[] command, string usage)
    {
        var (exit, stdout, stderr) = await RunAsync([.. command, "--help"]);
        Assert.Equal(0, exit);
        Assert.Contains($"Usage:{Environment.NewLine}  {usage}", stdout);
        Assert.Contains("--config <FILE>", stdout);
        Assert.Empty(stderr);
    }

    [Fact]
    public async Task The_usage_of_rules_test_says_the_expression_is_required_and_the_context_is_not()
    {
        var (_, stdout, _) = await RunAsync("rules", "test", "--help");
        var lines = stdout.Split(Environment.NewLine);
        Assert.Contains(lines, line => line.TrimStart().StartsWith("--expr <CEL> (REQUIRED)", StringComparison.Ordinal));
        var context = Assert.Single(lines, line => line.TrimStart().StartsWith("--context <JSON>", StringComparison.Ordinal));
        Assert.DoesNotContain("REQUIRED", context);
    }

    [Theory]
    [InlineData("outcall: unknown command 'frobnicate' (try: run, env, rules, tail, proxy, cluster, ca)", "frobnicate")]
    [InlineData("outcall: unknown command 'rules verify' (try: check, list, test, explain, suggest, reload)", "rules", "verify")]
    [InlineData("outcall: 'proxy' needs a command: status", "proxy")]
    [InlineData("outcall: unknown option '--bogus'", "rules", "check", "--bogus=1")]
    [InlineData("outcall: unexpected argument 'extra' for 'rules test'", "rules", "test", "--expr", "true", "extra")]
    [InlineData("outcall: --expr is required", "rules", "test")]
    [InlineData("outcall: unknown command '[suggest]'", "[suggest]")]
    [InlineData("outcall: --rules-dir needs a non-empty value", "rules", "list", "--rules-dir", "")]
    public async Task A_wrong_command_line_gets_one_precise_line_and_exit_2(string expected, params string[] args)
    {
        var (exit, stdout, stderr) = await RunAsync(args);
        Assert.Equal((2, expected + Environment.NewLine), (exit, stderr));
        Assert.Empty(stdout);
    }

    [Fact]
    public async Task Control_characters_of_an_echoed_argument_keep_the_error_on_one_line()
    {
        var (exit, _, stderr) = await RunAsync("--bad\nflag\u001b[2J");
        Assert.Equal(2, exit);
        Assert.Equal(@"outcall: unknown option '--bad\u000aflag\u001b[2J'" + Environment.NewLine, stderr);
    }
}
