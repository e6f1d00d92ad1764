using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

using Outcall.Tests.Proxy;
using Outcall.Tests.SuiteLogs;

namespace Outcall.Tests.Cli;

/// <summary>The real `outcall` executable as an operator runs it: exit codes, env, start, SIGTERM drain.</summary>
public sealed class OutcallProcessSpecs
{
    /// <summary>No admin listener: its default port is fixed, and tests bind nothing fixed.</summary>
    private static readonly string NoAdminConfig = WriteNoAdminConfig();

    private static string WriteNoAdminConfig()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("outcall-cli-conf-").FullName, "outcall.conf");
        File.WriteAllText(path, "outcall.admin.listen = \"\"\n");
        return path;
    }

    private static Process Start(params string[] args) => OutcallProcess.Start(Path.GetTempPath(), args);

    private static Task<(int Exit, string Out, string Err)> RunAsync(params string[] args) => OutcallProcess.RunAsync(Path.GetTempPath(), args);

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
        var stderr = OutcallProcess.StderrAsync(process);
        var (port, output) = await OutcallProcess.ListeningPortAsync(process);

        using (var client = new HttpClient())
        {
            var health = await client.GetStringAsync($"http://127.0.0.1:{port}/outcall-health");
            Assert.Contains("\"status\":\"ok\"", health);
        }

        OutcallProcess.Terminate(process);
        var rest = await output.WaitAsync(TimeSpan.FromSeconds(60));
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
        using var process = OutcallProcess.StartWithOpenFileLimit(512, Path.GetTempPath(), "--config", NoAdminConfig, "--listen", "127.0.0.1:0", "--rules-dir", "/nonexistent-outcall-rules");
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var cap = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                SuiteLog.Write(OutcallProcess.Stdout, line);
                output.Enqueue(line);
                var match = Regex.Match(line, @"listening on 127\.0\.0\.1:(\d+)");
                if (match.Success) listening.TrySetResult(int.Parse(match.Groups[1].Value));
                var limit = Regex.Match(line, @"Open-file limit 512 allows (\d+) of max-connections 1024");
                if (limit.Success) cap.TrySetResult(int.Parse(limit.Groups[1].Value));
            }
        });
        var clients = new List<Socket>();
        try
        {
            var port = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
            // Exactly the clients the lowered limit holds, so the probe is the first one past it (the refusals a flood
            // may have in flight are bounded separately, and are not what this spec is about).
            var effectiveLimit = await cap.Task.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.InRange(effectiveLimit, 1, 149);
            for (var i = 0; i < effectiveLimit; i++)
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

    [Fact]
    public async Task A_fresh_process_serves_a_burst_of_concurrent_CONNECTs_at_once_SC_008()
    {
        // A fresh runtime has a thread pool as small as the machine; anything that blocks pool threads on the first
        // connections (Akka's timer wheel starting lazily did) stalls the whole burst until the pool grows.
        var rules = Directory.CreateTempSubdirectory("outcall-cli-rules-").FullName;
        File.WriteAllText(Path.Combine(rules, "rules.yaml"), """
            version: "1"
            rules:
              - id: allow-loopback
                condition: 'network.hostname == "127.0.0.1"'
                action: allow
                egress:
                  allow_private_ips: true
            """);
        using var echo = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        echo.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        echo.Listen(128);
        using var stopEcho = new CancellationTokenSource();
        var echoing = EchoUntilStoppedAsync(echo, stopEcho.Token);
        using var process = Start("--config", NoAdminConfig, "--listen", "127.0.0.1:0", "--rules-dir", rules);
        try
        {
            var (port, _) = await OutcallProcess.ListeningPortAsync(process);
            var target = (IPEndPoint)echo.LocalEndPoint!;
            var clock = Stopwatch.StartNew();
            var tunnels = Enumerable.Range(0, 64).Select(i => Task.Run(() => TunnelEchoAsync(port, target, $"burst client {i}\n")));
            var echoed = await Task.WhenAll(tunnels).WaitAsync(TimeSpan.FromSeconds(30));
            clock.Stop();

            Assert.All(echoed, Assert.True);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"64 tunnels to a fresh process took {clock.Elapsed}");
        }
        finally
        {
            stopEcho.Cancel();
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            await echoing;
        }
    }

    private static async Task EchoUntilStoppedAsync(Socket listener, CancellationToken stop)
    {
        var connections = new List<Task>();
        try
        {
            while (true)
            {
                var accepted = await listener.AcceptAsync(stop);
                connections.Add(Task.Run(async () =>
                {
                    using var socket = accepted;
                    var buffer = new byte[1024];
                    int read;
                    while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None)) > 0)
                        await socket.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
                }));
            }
        }
        catch (OperationCanceledException)
        {
        }
        await Task.WhenAll(connections).WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>CONNECT through the proxy, send a line, and tell whether the same line came back.</summary>
    private static async Task<bool> TunnelEchoAsync(int proxyPort, IPEndPoint target, string message)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, proxyPort), deadline.Token);
        await socket.SendAsync(System.Text.Encoding.ASCII.GetBytes($"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n"), SocketFlags.None, deadline.Token);
        var (head, early) = await RawIo.ReadHeadAsync(socket, TimeSpan.FromSeconds(20));
        if (!head.StartsWith("HTTP/1.1 200", StringComparison.Ordinal) || early.Length > 0) return false;
        await socket.SendAsync(System.Text.Encoding.ASCII.GetBytes(message), SocketFlags.None, deadline.Token);
        var echoed = new byte[message.Length];
        var received = 0;
        while (received < echoed.Length)
        {
            var read = await socket.ReceiveAsync(echoed.AsMemory(received), SocketFlags.None, deadline.Token);
            if (read == 0) return false;
            received += read;
        }
        return System.Text.Encoding.ASCII.GetString(echoed) == message;
    }
}
