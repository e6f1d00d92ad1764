using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

using Outcall.Tests.Proxy;

namespace Outcall.Tests.Cli;

/// <summary>The real `outcall` executable as an operator runs it: exit codes, env, start, SIGTERM drain.</summary>
public sealed class OutcallProcessSpecs
{
    private static readonly string OutcallDll = Path.Combine(AppContext.BaseDirectory, "outcall.dll");

    /// <summary>No admin listener: its default port is fixed, and tests bind nothing fixed.</summary>
    private static readonly string NoAdminConfig = WriteNoAdminConfig();

    private static string WriteNoAdminConfig()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("outcall-cli-conf-").FullName, "outcall.conf");
        File.WriteAllText(path, "outcall.admin.listen = \"\"\n");
        return path;
    }

    private static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(OutcallDll);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.WorkingDirectory = Path.GetTempPath();
        return Process.Start(info)!;
    }

    private static async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        using var process = Start(args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task An_unknown_flag_exits_2_with_one_line()
    {
        var (exit, _, err) = await RunAsync("--frobnicate");
        Assert.Equal(2, exit);
        Assert.Equal("outcall: unknown option '--frobnicate'", err.Trim());
    }

    [Fact]
    public async Task A_bad_listen_address_exits_2()
    {
        var (exit, _, err) = await RunAsync("--listen", "localhost:80");
        Assert.Equal(2, exit);
        Assert.Contains("--listen must be ADDR:PORT", err);
    }

    [Fact]
    public async Task Env_prints_the_container_variables_FR016()
    {
        var (exit, stdout, _) = await RunAsync("env", "--proxy-url", "http://172.17.0.1:8080");
        Assert.Equal(0, exit);
        Assert.Equal(6, stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("HTTPS_PROXY=http://172.17.0.1:8080", stdout);
    }

    [Fact]
    public async Task Rules_with_errors_stop_the_start_with_exit_1_naming_file_and_rule()
    {
        var dir = Directory.CreateTempSubdirectory("outcall-cli-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, "bad.yaml"), "version: \"1\"\nrules:\n  - id: broken\n    condition: network.port == \"1\"\n    action: allow\n");
            var (exit, _, err) = await RunAsync("--config", NoAdminConfig, "--listen", "127.0.0.1:0", "--rules-dir", dir.FullName);
            Assert.Equal(1, exit);
            Assert.Contains("bad.yaml:4", err);
            Assert.Contains("'broken'", err);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_port_in_use_stops_the_start_with_exit_1_FR002()
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen();
        var (exit, _, err) = await RunAsync("--config", NoAdminConfig, "--listen", taken.LocalEndPoint!.ToString()!, "--rules-dir", "/nonexistent-outcall-rules");
        Assert.Equal(1, exit);
        Assert.Contains("cannot listen on", err);
    }

    [Fact]
    public async Task SIGTERM_drains_and_exits_0_with_a_summary_line_FR015()
    {
        using var process = Start("--config", NoAdminConfig, "--listen", "127.0.0.1:0", "--rules-dir", "/nonexistent-outcall-rules");
        var stderr = process.StandardError.ReadToEndAsync();
        string? line;
        Match listening;
        do
        {
            line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.NotNull(line);
            listening = Regex.Match(line, @"listening on 127\.0\.0\.1:(\d+)");
        } while (!listening.Success);

        using (var client = new HttpClient())
        {
            var health = await client.GetStringAsync($"http://127.0.0.1:{listening.Groups[1].Value}/outcall-health");
            Assert.Contains("\"status\":\"ok\"", health);
        }

        Assert.Equal(0, Kill(process.Id, 15));
        var rest = await process.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(0, process.ExitCode);
        // The health check's keep-alive connection may still be open: it is drained, not cut.
        Assert.Matches(@"Shutdown drained [01] connection\(s\) and cut 0", rest);
        Assert.Equal("", (await stderr).Trim());
    }

    [Fact]
    public async Task Under_a_small_open_file_limit_the_proxy_caps_connections_with_503_instead_of_running_out()
    {
        // The real binary under ulimit -n 512: next to the runtime's own descriptors, well under 150 clients fit.
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add($"ulimit -n 512 && exec dotnet '{OutcallDll}' --config '{NoAdminConfig}' --listen 127.0.0.1:0 --rules-dir /nonexistent-outcall-rules");
        using var process = Process.Start(info)!;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                output.Enqueue(line);
                var match = Regex.Match(line, @"listening on 127\.0\.0\.1:(\d+)");
                if (match.Success) listening.TrySetResult(int.Parse(match.Groups[1].Value));
            }
        });
        var clients = new List<Socket>();
        try
        {
            var port = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
            for (var i = 0; i < 150; i++)
            {
                var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await client.ConnectAsync(IPAddress.Loopback, port);
                clients.Add(client);
            }
            // One more client past the cap is told so, and the process keeps its descriptors.
            using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
            {
                await probe.ConnectAsync(IPAddress.Loopback, port);
                var refused = await RawIo.ReadUntilCloseAsync(probe, TimeSpan.FromSeconds(30));
                Assert.StartsWith("HTTP/1.1 503", refused);
            }
            foreach (var client in clients) client.Dispose();

            // Once the proxy has seen them leave, there is room again.
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            HttpResponseMessage? health = null;
            await Eventually.TrueAsync(() =>
            {
                health = http.GetAsync($"http://127.0.0.1:{port}/outcall-health").GetAwaiter().GetResult();
                return health.IsSuccessStatusCode;
            }, "a free connection slot", TimeSpan.FromSeconds(30));
            Assert.Contains("\"status\":\"ok\"", await health!.Content.ReadAsStringAsync());
            Assert.False(process.HasExited);
            Assert.Contains(output, l => Regex.IsMatch(l, @"Open-file limit 512 allows \d+ of max-connections 1024"));
        }
        finally
        {
            foreach (var client in clients) client.Dispose();
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
