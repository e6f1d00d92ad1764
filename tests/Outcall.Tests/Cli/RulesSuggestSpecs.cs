using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Outcall.Host.Cli;
using Outcall.Tests.Admin;
using Outcall.Tests.Proxy;

namespace Outcall.Tests.Cli;

/// <summary>
/// `outcall rules suggest` (issue 15), the real executable against a real node: traffic blocked by a deny-all set,
/// suggested, checked, loaded into a node and replayed, and nothing of it is blocked.
/// </summary>
public sealed class RulesSuggestSpecs : IAsyncLifetime
{
    private const string DenyAll = "version: \"1\"\nrules: []\n";

    private static readonly string[] Hosts = ["api.shop.test", "uploads.shop.test", "solo.test", "git.code.test", "www.code.test", "lone.test"];

    private readonly DirectoryInfo _out = Directory.CreateTempSubdirectory("outcall-suggest-");
    private HttpUpstream _upstream = null!;
    private StaticResolver _resolver = null!;

    public async Task InitializeAsync()
    {
        _upstream = await HttpUpstream.StartAsync();
        _resolver = new StaticResolver();
        foreach (var host in Hosts) _resolver.Map(host, IPAddress.Loopback);
    }

    public async Task DisposeAsync()
    {
        await _upstream.DisposeAsync();
        _out.Delete(recursive: true);
    }

    /// <summary>Plain GET and POST to three names, CONNECT to three more; the status of each, in order.</summary>
    private async Task<int[]> SendTrafficAsync(ProxyHarness proxy)
    {
        var statuses = new List<int>();
        using var client = proxy.CreateClient();
        foreach (var (method, host, path) in new[] { ("GET", "api.shop.test", "/a"), ("POST", "uploads.shop.test", "/b"), ("GET", "solo.test", "/c?x=1") })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), $"http://{host}:{_upstream.Port}{path}");
            if (method == "POST") request.Content = new StringContent("payload");
            using var response = await client.SendAsync(request);
            statuses.Add((int)response.StatusCode);
        }
        foreach (var host in new[] { "git.code.test", "www.code.test", "lone.test" })
        {
            using var socket = await proxy.ConnectRawAsync();
            await socket.SendAsync(Encoding.ASCII.GetBytes($"CONNECT {host}:{_upstream.Port} HTTP/1.1\r\nHost: {host}:{_upstream.Port}\r\n\r\n"), SocketFlags.None);
            var (head, _) = await RawIo.ReadHeadAsync(socket, TimeSpan.FromSeconds(10));
            statuses.Add(int.Parse(head.Split(' ')[1]));
        }
        return [.. statuses];
    }

    private static async Task<JsonElement[]> EventsAsync(ProxyHarness proxy, string query)
    {
        using var admin = new AdminHttp(proxy.AdminUri);
        var (_, body) = await admin.GetJsonAsync($"/api/v1/events/recent{query}");
        return AdminHttp.Envelope(body, success: true).EnumerateArray().ToArray();
    }

    [Fact]
    public async Task Suggested_rules_load_and_let_the_observed_traffic_through_when_replayed()
    {
        var file = Path.Combine(_out.FullName, "suggested.yaml");
        await using (var denying = await ProxyHarness.StartAsync(DenyAll, ProxyHarness.WithAdmin, _resolver))
        {
            Assert.All(await SendTrafficAsync(denying), status => Assert.Equal(403, status));
            await Eventually.TrueAsync(async () => (await EventsAsync(denying, "?decision=BLOCK")).Length == 6, "six blocked events");

            var (exit, stdout, stderr) = await OutcallProcess.RunAsync(_out.FullName, "rules", "suggest", "--admin", denying.AdminUri.ToString(),
                "--since", "1h", "--out", file);
            Assert.True(exit == 0, stderr);
            Assert.StartsWith($"wrote {file}", stdout);
        }

        var (checkExit, checkOut, checkErr) = await OutcallProcess.RunAsync(_out.FullName, "rules", "check", "--rules-dir", _out.FullName);
        Assert.True(checkExit == 0, checkErr);
        Assert.Equal("4 rules in 1 file, OK", checkOut.Trim());
        var yaml = await File.ReadAllTextAsync(file);
        Assert.Contains("network.hostname.endsWith(\".shop.test\")", yaml);
        Assert.Contains("network.hostname.endsWith(\".code.test\")", yaml);
        Assert.Contains("http.method in [\"GET\", \"POST\"]", yaml);

        // The upstream is on loopback, which the destination guard refuses to any rule without allow_private_ips:
        // the one change the replay needs, unrelated to what the suggester decides.
        var replayable = yaml.Replace("    action: allow\n", "    action: allow\n    egress:\n      allow_private_ips: true\n");
        await using var allowing = await ProxyHarness.StartAsync(replayable, ProxyHarness.WithAdmin, _resolver);
        Assert.All(await SendTrafficAsync(allowing), status => Assert.Equal(200, status));
        await Eventually.TrueAsync(async () => (await EventsAsync(allowing, "?decision=ALLOW")).Length == 6, "six allowed events");
        Assert.Empty(await EventsAsync(allowing, "?decision=BLOCK"));
    }

    [Fact]
    public async Task An_unreachable_node_exits_1_and_a_wrong_since_exits_2()
    {
        var closed = OutcallProcess.ClosedPortUri();

        var (unreachable, _, unreachableErr) = await OutcallProcess.RunAsync(_out.FullName, "rules", "suggest", "--admin", closed);
        var stderr = new StringWriter();
        var wrongSince = await CommandLine.RunAsync(["rules", "suggest", "--since", "soon"], TextWriter.Null, stderr);

        Assert.Equal((1, 2), (unreachable, wrongSince));
        Assert.Contains($"outcall: cannot reach the admin API at {closed}/", unreachableErr);
        Assert.Equal("outcall: --since must be a duration like 90s, 30m, 1h or 2d", stderr.ToString().Trim());
    }
}
