using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Outcall.Tests.Proxy;
using Outcall.Tests.SuiteLogs;

namespace Outcall.Tests.Cli;

/// <summary>`outcall tail` (issue 15): the real executable following a real node's verdict stream.</summary>
public sealed class TailSpecs : IAsyncLifetime
{
    private const string Rules = """
        version: "1"
        rules:
          - id: allow-upstream
            condition: network.hostname == "allowed.test"
            action: allow
            egress:
              allow_private_ips: true
        """;

    private HttpUpstream _upstream = null!;
    private StaticResolver _resolver = null!;

    public async Task InitializeAsync()
    {
        _upstream = await HttpUpstream.StartAsync();
        _resolver = new StaticResolver().Map("allowed.test", IPAddress.Loopback);
    }

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    private Task<ProxyHarness> StartNodeAsync(string admin = "127.0.0.1:0") =>
        ProxyHarness.StartAsync(Rules, $"outcall.admin.listen = \"{admin}\"", _resolver);

    /// <summary>One allowed GET (with a query that must not show) and one GET the default policy blocks.</summary>
    private async Task SendAllowAndBlockAsync(ProxyHarness node)
    {
        using var client = node.CreateClient();
        using (var allowed = await client.GetAsync($"http://allowed.test:{_upstream.Port}/hello?token=s3cret"))
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        using var blocked = await client.GetAsync("http://blocked.test/nope");
        Assert.Equal(HttpStatusCode.Forbidden, blocked.StatusCode);
    }

    [Fact]
    public async Task It_prints_one_line_for_an_allow_and_one_for_a_block_and_exits_0_on_SIGTERM()
    {
        await using var node = await StartNodeAsync();
        await using var tail = Tail.Start("--admin", node.AdminUri.ToString());
        await tail.ErrLineAsync(line => line.StartsWith("outcall: following http://127.0.0.1:", StringComparison.Ordinal));

        await SendAllowAndBlockAsync(node);

        var allow = await tail.OutLineAsync(line => line.Contains("ALLOW", StringComparison.Ordinal));
        var block = await tail.OutLineAsync(line => line.Contains("BLOCK", StringComparison.Ordinal));
        Assert.Matches($@"^\d\d:\d\d:\d\d  ALLOW        -  GET allowed\.test:{_upstream.Port}/hello  rule allow-upstream$", allow);
        Assert.Matches(@"^\d\d:\d\d:\d\d  BLOCK        -  GET blocked\.test:80/nope  default policy: no rule matched$", block);
        var done = await tail.OutLineAsync(line => line.Contains("DONE", StringComparison.Ordinal));
        Assert.Matches($@"  DONE 200     -  GET allowed\.test:{_upstream.Port}/hello  \d+ B up, .+ down, \d+ ms, completed$", done);
        Assert.DoesNotContain(tail.Output, line => line.Contains('\e') || line.Contains("s3cret", StringComparison.Ordinal));

        OutcallProcess.Terminate(tail.Process);
        Assert.Equal(0, await tail.ExitAsync());
    }

    [Fact]
    public async Task With_json_and_blocked_it_prints_each_block_as_one_json_line_and_exits_0_on_ctrl_c()
    {
        await using var node = await StartNodeAsync();
        await using var tail = Tail.Start("--admin", node.AdminUri.ToString(), "--json", "--blocked");
        await tail.ErrLineAsync(line => line.StartsWith("outcall: following", StringComparison.Ordinal));

        await SendAllowAndBlockAsync(node);

        using var e = JsonDocument.Parse(await tail.OutLineAsync(_ => true));
        Assert.Equal(("BLOCK", "blocked.test", "default-policy"),
            (e.RootElement.GetProperty("decision").GetString(), e.RootElement.GetProperty("host").GetString(), e.RootElement.GetProperty("cause").GetString()));
        Assert.True(e.RootElement.GetProperty("id").GetInt64() > 0);

        OutcallProcess.Interrupt(tail.Process);
        Assert.Equal(0, await tail.ExitAsync());
        Assert.Single(tail.Output);
    }

    [Fact]
    public async Task When_the_node_goes_away_it_says_so_and_picks_up_the_node_that_comes_back()
    {
        var first = await StartNodeAsync();
        var admin = first.AdminUri;
        await using var tail = Tail.Start("--admin", admin.ToString());
        await tail.ErrLineAsync(line => line.StartsWith("outcall: following", StringComparison.Ordinal));

        // The stream ends as the node stops: a subscriber never holds a stop for the host's shutdown timeout (tens of seconds).
        await first.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(15));
        await tail.ErrLineAsync(line => line.StartsWith($"outcall: the node at {admin} went away", StringComparison.Ordinal));
        await using var second = await StartNodeAsync(admin.Authority);
        await tail.ErrLineAsync(line => line.StartsWith($"outcall: reconnected to {admin}", StringComparison.Ordinal));

        await SendAllowAndBlockAsync(second);
        await tail.OutLineAsync(line => line.Contains("BLOCK        -  GET blocked.test:80/nope", StringComparison.Ordinal));
        OutcallProcess.Terminate(tail.Process);
        Assert.Equal(0, await tail.ExitAsync());
    }

    [Fact]
    public async Task Started_before_the_node_it_retries_until_the_node_is_there()
    {
        var probe = await StartNodeAsync();
        var admin = probe.AdminUri;
        await probe.DisposeAsync();
        await using var tail = Tail.Start("--admin", admin.ToString());
        await tail.ErrLineAsync(line => line.StartsWith($"outcall: cannot reach the admin API at {admin} (ConnectionRefused); retrying", StringComparison.Ordinal));

        await using var node = await StartNodeAsync(admin.Authority);
        await tail.ErrLineAsync(line => line.StartsWith($"outcall: following {admin}", StringComparison.Ordinal));
        await SendAllowAndBlockAsync(node);
        await tail.OutLineAsync(line => line.Contains("ALLOW", StringComparison.Ordinal));
        OutcallProcess.Terminate(tail.Process);
        Assert.Equal(0, await tail.ExitAsync());
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("1", false)]
    public async Task On_a_terminal_lines_are_coloured_unless_NO_COLOR_is_set(string? noColor, bool coloured)
    {
        await using var node = await StartNodeAsync();
        await using var tail = Tail.StartOnTerminal(noColor, "--admin", node.AdminUri.ToString());
        await tail.OutLineAsync(line => line.Contains("outcall: following", StringComparison.Ordinal));

        await SendAllowAndBlockAsync(node);

        var block = await tail.OutLineAsync(line => line.Contains("BLOCK", StringComparison.Ordinal));
        var allow = await tail.OutLineAsync(line => line.Contains("ALLOW", StringComparison.Ordinal));
        Assert.Equal((coloured, coloured), (block.StartsWith("\e[31m", StringComparison.Ordinal), allow.StartsWith("\e[32m", StringComparison.Ordinal)));
        if (!coloured) Assert.DoesNotContain("\e[3", block + allow, StringComparison.Ordinal);
    }

    /// <summary>
    /// A stand-in admin listener on loopback (Kestrel, port 0) whose /api/v1/events answers <paramref name="respond"/>: for what a
    /// real node does only under load (dropping events for a slow subscriber) or not at all (refusing the stream).
    /// </summary>
    private static async Task<(WebApplication App, Uri Uri)> ScriptedAdminAsync(RequestDelegate respond)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.Run(respond);
        await app.StartAsync();
        return (app, new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/"));
    }

    [Fact]
    public async Task When_the_node_says_events_were_dropped_it_prints_how_many()
    {
        var (app, uri) = await ScriptedAdminAsync(async context =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync("""
                event: lost
                data: {"lost":17}

                id: 40
                event: verdict
                data: {"id":40,"time":"2026-12-02T13:00:00+00:00","decision":"BLOCK","cause":"default-policy","agent":"","method":"GET","host":"after.test","port":80,"path":"/","server_name":"","rule_id":"","reason":"default policy: no rule matched","outcome":null}


                """.Replace("\r\n", "\n"));
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { });
        });
        await using (app)
        {
            await using var tail = Tail.Start("--admin", uri.ToString());

            await tail.ErrLineAsync(line => line == "outcall: the node dropped 17 events for this tail (it was behind)");
            await tail.OutLineAsync(line => line.Contains("BLOCK        -  GET after.test:80/", StringComparison.Ordinal));
            OutcallProcess.Terminate(tail.Process);
            Assert.Equal(0, await tail.ExitAsync());
        }
    }

    [Fact]
    public async Task A_node_answering_503_is_retried_until_it_streams()
    {
        var calls = 0;
        var (app, uri) = await ScriptedAdminAsync(async context =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                context.Response.StatusCode = 503;
                return;
            }
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync(": outcall events\n\n");
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { });
        });
        await using (app)
        {
            await using var tail = Tail.Start("--admin", uri.ToString());

            await tail.ErrLineAsync(line => line == $"outcall: cannot reach the admin API at {uri} (HTTP 503); retrying");
            await tail.ErrLineAsync(line => line == $"outcall: following {uri}");
            OutcallProcess.Terminate(tail.Process);
            Assert.Equal(0, await tail.ExitAsync());
        }
    }

    [Fact]
    public async Task A_node_that_refuses_the_stream_is_exit_1_with_its_error()
    {
        var (app, uri) = await ScriptedAdminAsync(async context =>
        {
            context.Response.StatusCode = 400;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"success":false,"data":null,"error":"decision must be one of ALLOW, BLOCK"}""", Encoding.UTF8);
        });
        await using (app)
        {
            await using var tail = Tail.Start("--admin", uri.ToString());

            Assert.Equal(1, await tail.ExitAsync());
            await tail.ErrLineAsync(line => line.EndsWith("refused the event stream: HTTP 400 decision must be one of ALLOW, BLOCK", StringComparison.Ordinal));
        }
    }

    /// <summary>A running `outcall tail`: every line it printed, each wait for one bounded.</summary>
    private sealed class Tail : IAsyncDisposable
    {
        private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
        private readonly List<string> _out = [];
        private readonly List<string> _err = [];
        private readonly SemaphoreSlim _printed = new(0);
        private readonly Task _reading;

        private Tail(Process process)
        {
            Process = process;
            _reading = Task.WhenAll(PumpAsync(process.StandardOutput, _out, OutcallProcess.Stdout), PumpAsync(process.StandardError, _err, OutcallProcess.Stderr));
        }

        public Process Process { get; }

        public IReadOnlyList<string> Output => Lines(_out);

        public static Tail Start(params string[] args) => new(OutcallProcess.Start(Path.GetTempPath(), ["tail", .. args]));

        /// <summary>Under util-linux `script`, so its output is a terminal (stdout and stderr both come out on the pty).</summary>
        public static Tail StartOnTerminal(string? noColor, params string[] args)
        {
            var info = new ProcessStartInfo("script")
            {
                RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
                WorkingDirectory = Path.GetTempPath(),
            };
            info.Environment.Remove("NO_COLOR");
            if (noColor is not null) info.Environment["NO_COLOR"] = noColor;
            var dll = Path.Combine(AppContext.BaseDirectory, "outcall.dll");
            foreach (var arg in (string[])["-qfec", $"exec dotnet '{dll}' tail {string.Join(' ', args.Select(a => $"'{a}'"))}", "/dev/null"]) info.ArgumentList.Add(arg);
            var process = Process.Start(info)!;
            process.StandardInput.Close();
            return new Tail(process);
        }

        /// <summary>The first stdout line, printed so far or later, that matches.</summary>
        public Task<string> OutLineAsync(Func<string, bool> match) => LineAsync(_out, match, "stdout");

        public Task<string> ErrLineAsync(Func<string, bool> match) => LineAsync(_err, match, "stderr");

        public async Task<int> ExitAsync()
        {
            await Process.WaitForExitAsync().WaitAsync(Wait);
            await _reading.WaitAsync(Wait);
            return Process.ExitCode;
        }

        private static IReadOnlyList<string> Lines(List<string> lines)
        {
            lock (lines) return [.. lines];
        }

        private async Task PumpAsync(StreamReader reader, List<string> lines, string source)
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                SuiteLog.Write(source, line);
                lock (lines) lines.Add(line);
                _printed.Release();
            }
        }

        private async Task<string> LineAsync(List<string> lines, Func<string, bool> match, string stream)
        {
            var deadline = DateTime.UtcNow + Wait;
            while (true)
            {
                if (Lines(lines).FirstOrDefault(match) is { } found) return found;
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero || !await _printed.WaitAsync(left))
                    throw new Xunit.Sdk.XunitException(
                        $"no such line on {stream} of outcall tail within {Wait.TotalSeconds}s; stdout: {string.Join(" | ", Lines(_out))}; stderr: {string.Join(" | ", Lines(_err))}");
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!Process.HasExited) Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync();
            Process.Dispose();
            _printed.Dispose();
        }
    }
}
