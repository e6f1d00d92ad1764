using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Outcall.Proxy;
using Outcall.Tests.Proxy;
using Outcall.Tests.Settings;

namespace Outcall.Tests.Packaging;

/// <summary>
/// deploy/outcall.service and the Dockerfile are what the README's "Install and run" says, and stay in
/// step with the defaults. (No Docker engine here: the image is checked by reading it, and its
/// health check and entry point by running them.)
/// </summary>
public sealed partial class PackagingSpecs
{
    private static readonly string Unit = RepositoryFiles.Read("deploy/outcall.service");
    private static readonly string Dockerfile = RepositoryFiles.Read("Dockerfile");
    private static readonly string Readme = RepositoryFiles.Read("README.md");

    private static string UnitValue(string key) =>
        Regex.Match(Unit, $"^{key}=(.*)$", RegexOptions.Multiline) is { Success: true } match
            ? match.Groups[1].Value.Trim()
            : throw new Xunit.Sdk.XunitException($"{key}= is not in deploy/outcall.service");

    private static int UnitOpenFileLimit => int.Parse(UnitValue("LimitNOFILE"), System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task The_systemd_unit_passes_systemd_analyze_verify()
    {
        // verify insists that ExecStart's binary exists: point it at the outcall built with the tests.
        using var directory = new TempDirectory();
        var unit = Path.Combine(directory.Path, "outcall.service");
        File.WriteAllText(unit, Unit.Replace("/opt/outcall/outcall", Path.Combine(AppContext.BaseDirectory, "outcall"), StringComparison.Ordinal));

        var (exit, output) = await RunAsync("systemd-analyze", "verify", unit);

        Assert.True(exit == 0 && output.Length == 0, $"systemd-analyze verify exited {exit}: {output}");
    }

    [Fact]
    public void The_unit_open_file_limit_is_the_README_rule_for_the_default_max_connections()
    {
        var maxConnections = ProxySettings.Create(Akka.Configuration.Config.Empty).MaxConnections;

        Assert.Contains("`2 x max-connections + 500`", Readme);
        Assert.Equal(2 * maxConnections + 500, UnitOpenFileLimit);
    }

    [Fact]
    public async Task Under_the_unit_open_file_limit_the_real_binary_keeps_the_whole_default_max_connections()
    {
        // The framework-dependent build holds a descriptor per framework assembly, more than the single file the unit
        // runs, so fitting here means fitting there. The admin listener is on, as in the shipped configuration.
        using var process = Cli.OutcallProcess.StartWithOpenFileLimit(UnitOpenFileLimit, Path.GetTempPath(),
            "run", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--rules-dir", "/nonexistent-outcall-rules");
        try
        {
            var (_, output) = await Cli.OutcallProcess.ListeningPortAsync(process);
            Cli.OutcallProcess.Terminate(process);
            var rest = await output.WaitAsync(TimeSpan.FromSeconds(60));

            // The listener warns right after its "listening on" line when it has to lower the limit.
            Assert.Contains("Shutdown drained", rest);
            Assert.DoesNotContain("Open-file limit", rest);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    [Fact]
    public void The_unit_waits_longer_than_the_shutdown_grace_before_killing()
    {
        var grace = ProxySettings.Create(Akka.Configuration.Config.Empty).ShutdownGrace;
        var stopSeconds = int.Parse(UnitValue("TimeoutStopSec").TrimEnd('s'), System.Globalization.CultureInfo.InvariantCulture);

        Assert.True(TimeSpan.FromSeconds(stopSeconds) > grace * 2, $"TimeoutStopSec={stopSeconds}s, shutdown-grace {grace}");
    }

    [Fact]
    public void The_unit_reloads_with_SIGHUP_restarts_on_failure_and_runs_unprivileged()
    {
        Assert.Equal("/bin/kill -s HUP $MAINPID", UnitValue("ExecReload"));
        Assert.Equal("on-failure", UnitValue("Restart"));
        Assert.Equal(("yes", "yes", "strict"), (UnitValue("DynamicUser"), UnitValue("NoNewPrivileges"), UnitValue("ProtectSystem")));
    }

    [Fact]
    public void The_unit_and_the_README_use_the_same_paths()
    {
        var execStart = UnitValue("ExecStart");

        Assert.StartsWith("/opt/outcall/outcall run --config /etc/outcall/outcall.conf", execStart);
        Assert.Contains("-o /opt/outcall", PublishCommand(Readme));
        Assert.Contains("install -m 644 deploy/outcall.service /etc/systemd/system/", Readme);
        Assert.Contains("/etc/outcall/rules.d", execStart);
    }

    [Fact]
    public void The_image_is_built_with_the_README_publish_command()
    {
        Assert.Equal(WithoutOutput(PublishCommand(Readme)), WithoutOutput(PublishCommand(Dockerfile)));
        Assert.Contains("-r linux-x64 --self-contained -p:PublishSingleFile=true", PublishCommand(Readme));
    }

    [Fact]
    public void The_image_builds_on_the_SDK_and_runs_only_the_published_app_as_a_non_root_user()
    {
        var stages = Regex.Matches(Dockerfile, @"^FROM (\S+)", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
        var user = Regex.Match(Dockerfile, @"^USER (\S+)$", RegexOptions.Multiline).Groups[1].Value;

        Assert.Equal(["mcr.microsoft.com/dotnet/sdk:10.0-noble", "mcr.microsoft.com/dotnet/runtime-deps:10.0-noble"], stages);
        Assert.Contains("COPY --from=build /out/ /app/", Dockerfile);
        Assert.DoesNotMatch(@"^COPY (src|tests|\.)", Dockerfile[Dockerfile.LastIndexOf("FROM ", StringComparison.Ordinal)..]);
        Assert.NotEqual("", user);
        Assert.DoesNotContain(user, new[] { "root", "0" });
    }

    [Fact]
    public void The_image_takes_the_listen_address_and_rules_directory_from_its_environment()
    {
        var entrypoint = JsonSerializer.Deserialize<string[]>(Instruction("ENTRYPOINT"))!;

        Assert.Contains("OUTCALL_LISTEN=0.0.0.0:8080", Dockerfile);
        Assert.Contains("OUTCALL_RULES_DIR=/etc/outcall/rules.d", Dockerfile);
        Assert.Contains("VOLUME [\"/etc/outcall/rules.d\"]", Dockerfile);
        Assert.Equal(["/bin/sh", "-c"], entrypoint[..2]);
        Assert.Contains("exec /app/outcall run --config /etc/outcall/outcall.conf --listen \"$OUTCALL_LISTEN\" --rules-dir \"$OUTCALL_RULES_DIR\"", entrypoint[2]);
    }

    [Fact]
    public async Task The_image_health_check_passes_against_a_running_proxy_and_fails_without_one()
    {
        var check = JsonSerializer.Deserialize<string[]>(Instruction("HEALTHCHECK").Split("CMD ", 2)[1])!;
        await using var proxy = await ProxyHarness.StartAsync();
        using var closed = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        closed.Start();
        var closedPort = ((System.Net.IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();

        var (healthy, _) = await RunAsync(check[0], check[1..], ("OUTCALL_LISTEN", $"0.0.0.0:{proxy.Endpoint.Port}"));
        var (unhealthy, _) = await RunAsync(check[0], check[1..], ("OUTCALL_LISTEN", $"0.0.0.0:{closedPort}"));

        Assert.Contains("/outcall-health", check[^1]);
        Assert.Equal((0, 1), (healthy, unhealthy));
    }

    /// <summary>One instruction's arguments, its continuation lines joined.</summary>
    private static string Instruction(string name)
    {
        var joined = Dockerfile.Replace("\\\n", " ", StringComparison.Ordinal);
        var match = Regex.Match(joined, $"^{name} (.*)$", RegexOptions.Multiline);
        Assert.True(match.Success, $"no {name} in the Dockerfile");
        return match.Groups[1].Value.Trim();
    }

    private static string PublishCommand(string text) =>
        PublishLine().Match(text) is { Success: true } match ? match.Value.Trim() : throw new Xunit.Sdk.XunitException("no dotnet publish command");

    private static string WithoutOutput(string command) => Regex.Replace(command, @"\s+-o\s+\S+", "");

    [GeneratedRegex(@"dotnet publish src/Outcall\.Host[^\n]*")]
    private static partial Regex PublishLine();

    private static Task<(int Exit, string Output)> RunAsync(string file, params string[] args) => RunAsync(file, args, []);

    private static async Task<(int Exit, string Output)> RunAsync(string file, string[] args, params (string Name, string Value)[] environment)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var (name, value) in environment) info.Environment[name] = value;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, (await stdout + await stderr).Trim());
    }

    private sealed class TempDirectory : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("outcall-unit-").FullName;
        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
