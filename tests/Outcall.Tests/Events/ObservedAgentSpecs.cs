using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Outcall.Tests.Admin;
using Outcall.Tests.Identity;
using Outcall.Tests.Proxy;
using static Outcall.Tests.Tls.HelloBytes;

namespace Outcall.Tests.Events;

/// <summary>
/// Observe mode for one agent while another stays enforced (issue 15), the agents named by proxy credentials (S006 FR-014):
/// the observed agent's blocked requests and SNIs go on as WOULD_BLOCK, the other's are refused, and a credential is never relaxed.
/// </summary>
public sealed class ObservedAgentSpecs : IAsyncLifetime
{
    private const string Rules = """
        version: "1"
        rules:
          - id: allow-cdn
            condition: network.hostname == "cdn.test"
            action: allow
            priority: 10
            egress:
              allow_private_ips: true
          - id: block-evil
            condition: network.hostname == "fronted.test" || network.hostname.endsWith(".evil.test")
            action: block
            priority: 20
        """;

    private ProxyHarness _proxy = null!;
    private AdminHttp _admin = null!;

    public async Task InitializeAsync()
    {
        _proxy = await ProxyHarness.StartAsync(Rules, ProxyHarness.WithAdmin + """

            outcall.identity {
              tokens { alpha = "alpha-token", beta = "beta-token" }
              observe-agents = [alpha]
            }
            """, new StaticResolver().Map("cdn.test", IPAddress.Loopback));
        _admin = new AdminHttp(_proxy.AdminUri);
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        await _proxy.DisposeAsync();
    }

    private static string As(string agent) => $"Proxy-Authorization: {ProxyAuthenticatorSpecs.Basic($"{agent}:{agent}-token")}\r\n";

    private static string Get(string host, string credential) =>
        $"GET http://{host}/ HTTP/1.1\r\nHost: {host}\r\n{credential}Connection: close\r\n\r\n";

    private async Task<JsonElement> EventAsync(string agent, string host)
    {
        JsonElement[] found = [];
        await Eventually.TrueAsync(async () =>
        {
            var (_, body) = await _admin.GetJsonAsync($"/api/v1/events/recent?agent={agent}&host={host}");
            found = AdminHttp.Envelope(body, success: true).EnumerateArray().ToArray();
            return found.Length > 0;
        }, $"an event of {agent} for {host}");
        return found[^1];
    }

    private Task<Socket> ConnectAsync(string authority, string credential) => DecisionEventSpecs.ConnectAsync(_proxy, authority, credential);

    [Fact]
    public async Task The_observed_agents_blocked_request_goes_on_as_WOULD_BLOCK_while_the_other_agents_is_refused()
    {
        // nowhere.evil.test resolves nowhere: past the rules, the observed request fails at DNS (502), the enforced one never gets there.
        Assert.StartsWith("HTTP/1.1 502", await _proxy.SendRawAsync(Get("nowhere.evil.test", As("alpha"))));
        Assert.StartsWith("HTTP/1.1 403", await _proxy.SendRawAsync(Get("nowhere.evil.test", As("beta"))));
        var observed = await EventAsync("alpha", "nowhere.evil.test");
        var enforced = await EventAsync("beta", "nowhere.evil.test");
        Assert.Equal(("WOULD_BLOCK", "block-evil"), (observed.GetProperty("decision").GetString(), observed.GetProperty("rule_id").GetString()));
        Assert.Equal(("BLOCK", "block-evil"), (enforced.GetProperty("decision").GetString(), enforced.GetProperty("rule_id").GetString()));
    }

    [Fact]
    public async Task The_observed_agents_CONNECT_with_a_blocked_SNI_is_tunnelled_while_the_other_agents_is_cut()
    {
        var hello = Hello(ServerName("fronted.test"));
        await using (var upstream = new RawUpstream(async (socket, self) => await self.ReadToEndAsync(socket)))
        {
            using var socket = await ConnectAsync($"cdn.test:{upstream.Port}", As("alpha"));
            await socket.SendAsync(hello, SocketFlags.None);
            await Eventually.TrueAsync(() => upstream.Received.Length >= hello.Length, "the observed agent's hello to cross");
            Assert.Equal(hello, upstream.Received);
        }
        await using (var upstream = new RawUpstream(async (socket, self) => await self.ReadToEndAsync(socket)))
        {
            using var socket = await ConnectAsync($"cdn.test:{upstream.Port}", As("beta"));
            await socket.SendAsync(hello, SocketFlags.None);
            await upstream.FirstConnectionEnded.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Empty(upstream.Received);
        }
        Assert.Equal("WOULD_BLOCK", (await EventAsync("alpha", "fronted.test")).GetProperty("decision").GetString());
        Assert.Equal("BLOCK", (await EventAsync("beta", "fronted.test")).GetProperty("decision").GetString());
    }

    [Fact]
    public async Task A_wrong_credential_naming_the_observed_agent_still_gets_407()
    {
        var wrong = $"Proxy-Authorization: {ProxyAuthenticatorSpecs.Basic("alpha:not-the-token")}\r\n";
        Assert.StartsWith("HTTP/1.1 407", await _proxy.SendRawAsync(Get("nowhere.evil.test", wrong)));
    }

    [Fact]
    public async Task Would_blocks_are_counted_under_their_own_verdict_label_and_as_hits_of_the_rule_that_would_block()
    {
        Assert.StartsWith("HTTP/1.1 502", await _proxy.SendRawAsync(Get("nowhere.evil.test", As("alpha"))));
        await EventAsync("alpha", "nowhere.evil.test");
        using var http = new HttpClient { BaseAddress = _proxy.AdminUri };
        var scrape = await http.GetStringAsync("/metrics");
        Assert.Contains("outcall_requests_total{kind=\"http\",verdict=\"would_block\"} 1", scrape);
        Assert.Contains("outcall_rule_hits_total{rule=\"block-evil\"} 1", scrape);
    }
}
