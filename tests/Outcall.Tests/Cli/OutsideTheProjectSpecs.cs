
namespace Outcall.Tests.Cli;

/// <summary>
/// Issue 17: every command of the real executable, run from an empty directory (no hocon/outcall.conf), on the
/// embedded defaults alone and with --config FILE. Exit codes 0, 1 or 2 only, never an unhandled exception.
/// </summary>
public sealed class OutsideTheProjectSpecs : IDisposable
{
    private readonly DirectoryInfo _empty = Directory.CreateTempSubdirectory("outcall-cwd-");
    private readonly DirectoryInfo _elsewhere = Directory.CreateTempSubdirectory("outcall-etc-");

    /// <summary>A configuration of an operator's own: its own listen address and rules, no admin API.</summary>
    private string Config => Path.Combine(_elsewhere.FullName, "outcall.conf");

    private string RulesDir => Path.Combine(_elsewhere.FullName, "rules.d");

    public OutsideTheProjectSpecs()
    {
        Directory.CreateDirectory(RulesDir);
        File.WriteAllText(Path.Combine(RulesDir, "allow.yaml"), """
            version: "1"
            rules:
              - id: allow-docs
                condition: network.hostname == "docs.test"
                action: allow
            """);
        File.WriteAllText(Config, $"""
            outcall.proxy.listen = "127.0.0.1:3128"
            outcall.rules.dir = {System.Text.Json.JsonSerializer.Serialize(RulesDir)}
            outcall.admin.listen = ""
            """);
    }

    public void Dispose()
    {
        _empty.Delete(recursive: true);
        _elsewhere.Delete(recursive: true);
    }

    private async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        var (exit, stdout, stderr) = await OutcallProcess.RunAsync(_empty.FullName, args);
        Assert.DoesNotContain("Unhandled exception", stderr);
        Assert.DoesNotMatch(OutcallProcess.StackTrace, stderr);
        Assert.InRange(exit, 0, 2);
        return (exit, stdout, stderr);
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [Fact]
    public async Task Env_prints_the_default_listen_address_on_the_embedded_defaults()
    {
        var (exit, stdout, _) = await RunAsync("env");
        Assert.Equal(0, exit);
        Assert.Equal(6, Lines(stdout).Length);
        Assert.Contains("HTTP_PROXY=http://127.0.0.1:8080", Lines(stdout));
    }

    [Fact]
    public async Task Env_prints_the_listen_address_of_the_config_file()
    {
        var (exit, stdout, _) = await RunAsync("env", "--config", Config);
        Assert.Equal(0, exit);
        Assert.Contains("HTTPS_PROXY=http://127.0.0.1:3128", Lines(stdout));
    }

    [Fact]
    public async Task Rules_check_and_list_on_the_embedded_defaults_find_no_rules_and_succeed()
    {
        var check = await RunAsync("rules", "check");
        Assert.Equal((0, "0 rules in 0 files, OK"), (check.Exit, check.Out.Trim()));
        var list = await RunAsync("rules", "list");
        Assert.Equal(0, list.Exit);
        Assert.Contains("(no rules: the default policy blocks every request)", list.Out);
    }

    [Fact]
    public async Task Rules_check_and_list_read_the_rules_directory_of_the_config_file()
    {
        var check = await RunAsync("rules", "check", $"--config={Config}");
        Assert.Equal((0, "1 rule in 1 file, OK"), (check.Exit, check.Out.Trim()));
        var list = await RunAsync("rules", "list", "--config", Config);
        Assert.Equal(0, list.Exit);
        Assert.Matches(@"^allow-docs\s+allow\.yaml\s+allow\s+100\s", Lines(list.Out)[1]);
    }

    [Fact]
    public async Task Rules_test_works_with_and_without_a_config_file()
    {
        Assert.Equal((0, "Result: true\n"), Pick(await RunAsync("rules", "test", "--expr", "network.port == 0")));
        Assert.Equal((0, "Result: false\n"), Pick(await RunAsync("rules", "test", "--config", Config, "--expr", "network.port == 1")));

        static (int, string) Pick((int Exit, string Out, string Err) run) => (run.Exit, run.Out);
    }

    [Theory]
    [InlineData("rules", "reload")]
    [InlineData("proxy", "status")]
    [InlineData("cluster", "status")]
    public async Task An_admin_command_on_the_embedded_defaults_asks_the_default_admin_address(params string[] command)
    {
        // 127.0.0.1:9091 is the default; whether a node answers there is not this test's to decide, only that
        // the command gets that far and ends with an exit code and, on failure, one line.
        var (exit, _, stderr) = await RunAsync(command);
        Assert.InRange(exit, 0, 1);
        if (exit == 1) Assert.StartsWith("outcall: ", Assert.Single(Lines(stderr)));
    }

    [Theory]
    [InlineData("rules", "reload")]
    [InlineData("proxy", "status")]
    [InlineData("cluster", "status")]
    public async Task An_admin_command_with_an_admin_flag_and_nothing_listening_exits_1_with_one_line(params string[] command)
    {
        var (exit, _, stderr) = await RunAsync([.. command, "--admin", OutcallProcess.ClosedPortUri()]);
        Assert.Equal(1, exit);
        Assert.StartsWith("outcall: cannot reach the admin API at http://127.0.0.1:", Assert.Single(Lines(stderr)));
    }

    [Theory]
    [InlineData("rules", "reload")]
    [InlineData("proxy", "status")]
    [InlineData("cluster", "status")]
    public async Task An_admin_command_whose_config_file_disables_the_admin_API_exits_1_saying_so(params string[] command)
    {
        var (exit, _, stderr) = await RunAsync([.. command, "--config", Config]);
        Assert.Equal(1, exit);
        Assert.Equal("outcall: the admin API is disabled (outcall.admin.listen is empty); pass --admin URL", Assert.Single(Lines(stderr)));
    }

    [Fact]
    public async Task A_config_file_that_does_not_exist_exits_2_with_one_line()
    {
        var (exit, _, stderr) = await RunAsync("rules", "check", "--config", Path.Combine(_elsewhere.FullName, "missing.conf"));
        Assert.Equal(2, exit);
        Assert.Matches(@"^outcall: config file '.*missing\.conf' not found$", Assert.Single(Lines(stderr)));
    }

    [Fact]
    public async Task Run_on_the_embedded_defaults_starts_and_stops_cleanly_on_SIGTERM_FR015()
    {
        await RunUntilSigtermAsync("run", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0");
    }

    [Fact]
    public async Task Run_with_a_config_file_starts_on_its_rules_and_stops_cleanly_on_SIGTERM_FR015()
    {
        var output = await RunUntilSigtermAsync("--config", Config, "--listen", "127.0.0.1:0");
        Assert.DoesNotContain("Admin API listening", output);
    }

    /// <summary>Starts, waits for the listening line, sends SIGTERM, and insists on exit 0 with nothing on stderr.</summary>
    private async Task<string> RunUntilSigtermAsync(params string[] args)
    {
        using var process = OutcallProcess.Start(_empty.FullName, args);
        var stderr = OutcallProcess.StderrAsync(process);
        try
        {
            var (_, output) = await OutcallProcess.ListeningPortAsync(process);
            OutcallProcess.Terminate(process);
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(0, process.ExitCode);
            Assert.Equal("", (await stderr).Trim());
            return await output;
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("rules", "check", "--help")]
    [InlineData("cluster", "status", "-h")]
    public async Task Help_works_from_any_directory(params string[] args)
    {
        var (exit, stdout, stderr) = await RunAsync(args);
        Assert.Equal(0, exit);
        Assert.Contains("Usage:", stdout);
        Assert.Empty(stderr);
    }
}
