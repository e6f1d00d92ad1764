using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Akka.Actor;
using Outcall.Tests.Admin;
using Outcall.Tests.Proxy;
using static Outcall.Tests.Tls.HelloBytes;

namespace Outcall.Tests.Events;

/// <summary>
/// One event per verdict of every kind through a real node (issue 15): allow, rule block, SNI block, destination refused,
/// engine unavailable (EC-008), and observe mode's WOULD_BLOCK, with the explanation of a rule that failed at run time.
/// </summary>
public sealed class DecisionEventSpecs
{
    private const string Rules = """
        version: "1"
        rules:
          - id: allow-upstream
            condition: network.hostname in ["allowed.test", "cdn.test"]
            action: allow
            priority: 10
            egress:
              allow_private_ips: true
          - id: team-header
            condition: http.headers["x-team"] == "red"
            action: allow
            priority: 15
          - id: allow-internal
            condition: network.hostname == "internal.test"
            action: allow
            priority: 20
          - id: block-evil
            condition: network.hostname == "fronted.test" || network.hostname.endsWith(".evil.test")
            action: block
            priority: 30
        """;

    private static StaticResolver Resolver() =>
        new StaticResolver().Map("allowed.test", IPAddress.Loopback).Map("cdn.test", IPAddress.Loopback).Map("internal.test", IPAddress.Loopback)
            .Map("x.evil.test", IPAddress.Loopback);

    private static Task<ProxyHarness> StartAsync(string extraHocon = "") =>
        ProxyHarness.StartAsync(Rules, ProxyHarness.WithAdmin + "\n" + extraHocon, Resolver());

    private static async Task<JsonElement> EventAsync(ProxyHarness proxy, string decision, string host)
    {
        using var admin = new AdminHttp(proxy.AdminUri);
        JsonElement[] found = [];
        await Eventually.TrueAsync(async () =>
        {
            var (_, body) = await admin.GetJsonAsync($"/api/v1/events/recent?decision={decision}&host={host}");
            found = AdminHttp.Envelope(body, success: true).EnumerateArray().ToArray();
            return found.Length > 0;
        }, $"a {decision} event for {host}");
        return found[^1];
    }

    private static async Task<JsonElement> ExplanationAsync(ProxyHarness proxy, JsonElement e)
    {
        using var admin = new AdminHttp(proxy.AdminUri);
        var (status, body) = await admin.GetJsonAsync($"/api/v1/events/{e.GetProperty("id").GetInt64()}");
        Assert.Equal(HttpStatusCode.OK, status);
        return AdminHttp.Envelope(body, success: true).GetProperty("explanation");
    }

    private static string Get(string host, int port, string path = "/") =>
        $"GET http://{host}:{port}{path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n";

    private static (string, string, string) Fields(JsonElement e) =>
        (e.GetProperty("decision").GetString()!, e.GetProperty("cause").GetString()!, e.GetProperty("rule_id").GetString()!);

    private static RawUpstream Recorder() => new(async (socket, self) => await self.ReadToEndAsync(socket));

    /// <summary>A raw CONNECT answered 200; <paramref name="fields"/> are extra header lines, each ending in CRLF.</summary>
    internal static async Task<Socket> ConnectAsync(ProxyHarness proxy, string authority, string fields = "")
    {
        var socket = await proxy.ConnectRawAsync();
        await socket.SendAsync(Encoding.ASCII.GetBytes($"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n{fields}\r\n"), SocketFlags.None);
        var (head, _) = await RawIo.ReadHeadAsync(socket, TimeSpan.FromSeconds(10));
        Assert.StartsWith("HTTP/1.1 200", head);
        return socket;
    }

    [Fact]
    public async Task An_allowed_request_is_an_ALLOW_event_decided_by_its_rule()
    {
        await using var upstream = await HttpUpstream.StartAsync();
        await using var proxy = await StartAsync();
        Assert.StartsWith("HTTP/1.1 200", await proxy.SendRawAsync(Get("allowed.test", upstream.Port)));
        Assert.Equal(("ALLOW", "rule", "allow-upstream"), Fields(await EventAsync(proxy, "ALLOW", "allowed.test")));
    }

    [Fact]
    public async Task A_rule_block_is_a_BLOCK_event_decided_by_its_rule()
    {
        await using var proxy = await StartAsync();
        Assert.StartsWith("HTTP/1.1 403", await proxy.SendRawAsync(Get("x.evil.test", 80)));
        Assert.Equal(("BLOCK", "rule", "block-evil"), Fields(await EventAsync(proxy, "BLOCK", "x.evil.test")));
    }

    [Fact]
    public async Task A_CONNECT_refused_for_its_SNI_is_a_BLOCK_event_judged_by_that_SNI_FR005()
    {
        await using var upstream = Recorder();
        await using var proxy = await StartAsync();
        using var socket = await ConnectAsync(proxy, $"cdn.test:{upstream.Port}");
        await socket.SendAsync(Hello(ServerName("fronted.test")), SocketFlags.None);
        var e = await EventAsync(proxy, "BLOCK", "fronted.test");
        Assert.Equal(("BLOCK", "rule", "block-evil"), Fields(e));
        Assert.Equal(("cdn.test", "fronted.test"), (e.GetProperty("host").GetString(), e.GetProperty("server_name").GetString()));
        Assert.StartsWith("Judged by its SNI fronted.test: blocked by rule block-evil", (await ExplanationAsync(proxy, e)).GetProperty("summary").GetString());
    }

    [Fact]
    public async Task A_destination_refusal_is_a_BLOCK_event_caused_by_the_destination_FR026()
    {
        await using var proxy = await StartAsync();
        Assert.StartsWith("HTTP/1.1 403", await proxy.SendRawAsync(Get("internal.test", 80)));
        Assert.Equal(("BLOCK", "destination", "allow-internal"), Fields(await EventAsync(proxy, "BLOCK", "internal.test")));
    }

    [Fact]
    public async Task A_rule_engine_that_does_not_answer_is_a_BLOCK_event_caused_by_engine_unavailable_EC008()
    {
        await using var proxy = await StartAsync("outcall.rules.ask-timeout = 300ms");
        await proxy.Node.RuleEngine.GracefulStop(TimeSpan.FromSeconds(5));
        Assert.StartsWith("HTTP/1.1 403", await proxy.SendRawAsync(Get("allowed.test", 80), TimeSpan.FromSeconds(20)));
        var e = await EventAsync(proxy, "BLOCK", "allowed.test");
        Assert.Equal(("BLOCK", "engine-unavailable", ""), Fields(e));
        Assert.Contains("rule engine did not answer", (await ExplanationAsync(proxy, e)).GetProperty("summary").GetString());
    }

    [Fact]
    public async Task A_rule_that_failed_at_run_time_is_explained_with_its_message_and_no_value()
    {
        await using var proxy = await StartAsync();
        var request = "GET http://nothing.test/ HTTP/1.1\r\nHost: nothing.test\r\nAuthorization: Bearer s3cret\r\nConnection: close\r\n\r\n";
        Assert.StartsWith("HTTP/1.1 403", await proxy.SendRawAsync(request));
        var explanation = await ExplanationAsync(proxy, await EventAsync(proxy, "BLOCK", "nothing.test"));
        var step = explanation.GetProperty("considered").EnumerateArray().Single(s => s.GetProperty("rule_id").GetString() == "team-header");
        Assert.Equal("runtime-error", step.GetProperty("outcome").GetString());
        Assert.StartsWith("condition could not be evaluated: no such key", step.GetProperty("message").GetString());
        Assert.Contains("1 with runtime errors", explanation.GetProperty("summary").GetString());
        Assert.DoesNotContain("s3cret", explanation.GetRawText());
    }

    [Fact]
    public async Task In_observe_mode_a_rule_block_is_a_WOULD_BLOCK_event_explained_by_the_rule_that_would_block_it()
    {
        await using var proxy = await StartAsync("outcall.rules.mode = observe");
        // x.evil.test is on loopback: let past the rules, it still meets the destination guard; nowhere.evil.test does not resolve.
        Assert.StartsWith("HTTP/1.1 502", await proxy.SendRawAsync(Get("nowhere.evil.test", 80, "/p?token=s3cret")));
        var e = await EventAsync(proxy, "WOULD_BLOCK", "nowhere.evil.test");
        Assert.Equal(("WOULD_BLOCK", "rule", "block-evil"), Fields(e));
        var explanation = await ExplanationAsync(proxy, e);
        Assert.StartsWith("Observe mode let it through; rule block-evil (", explanation.GetProperty("summary").GetString());
        Assert.Equal("block-evil", explanation.GetProperty("considered").EnumerateArray().Last().GetProperty("rule_id").GetString());
        Assert.DoesNotContain("s3cret", e.GetRawText());
        var line = await proxy.Log.WaitForLineAsync(l => l.Contains("\"Decision\":\"WOULD_BLOCK\""));
        // CLEF leaves @l out for Information, the level of a WOULD_BLOCK line (a BLOCK is a Warning).
        Assert.DoesNotContain("\"@l\":", line);
        Assert.Contains("\"RuleId\":\"block-evil\"", line);
    }

    [Fact]
    public async Task In_observe_mode_the_destination_guard_still_refuses_a_private_destination_FR026()
    {
        await using var proxy = await StartAsync("outcall.rules.mode = observe");
        var response = await proxy.SendRawAsync(Get("x.evil.test", 80));
        Assert.StartsWith("HTTP/1.1 403", response);
        Assert.Contains("loopback", response);
        var e = await EventAsync(proxy, "BLOCK", "x.evil.test");
        Assert.Equal(("BLOCK", "destination", "block-evil"), Fields(e));
        Assert.StartsWith("Observe mode let it past rule block-evil (", (await ExplanationAsync(proxy, e)).GetProperty("summary").GetString());
    }

    [Fact]
    public async Task In_observe_mode_an_engine_that_does_not_answer_still_blocks_EC008()
    {
        await using var proxy = await StartAsync("outcall.rules.mode = observe\noutcall.rules.ask-timeout = 300ms");
        await proxy.Node.RuleEngine.GracefulStop(TimeSpan.FromSeconds(5));
        var response = await proxy.SendRawAsync(Get("allowed.test", 80), TimeSpan.FromSeconds(20));
        Assert.StartsWith("HTTP/1.1 403", response);
        Assert.Contains("X-Outcall-Block-Reason: rule engine unavailable", response);
        Assert.Equal(("BLOCK", "engine-unavailable", ""), Fields(await EventAsync(proxy, "BLOCK", "allowed.test")));
    }

    [Fact]
    public async Task In_observe_mode_a_malformed_request_is_still_refused()
    {
        await using var proxy = await StartAsync("outcall.rules.mode = observe");
        Assert.StartsWith("HTTP/1.1 400", await proxy.SendRawAsync("GET /relative HTTP/1.1\r\nHost: x.evil.test\r\n\r\n"));
    }

    [Fact]
    public async Task In_observe_mode_a_CONNECT_refused_for_its_SNI_is_tunnelled_and_a_WOULD_BLOCK_event()
    {
        await using var upstream = Recorder();
        await using var proxy = await StartAsync("outcall.rules.mode = observe");
        using var socket = await ConnectAsync(proxy, $"cdn.test:{upstream.Port}");
        var hello = Hello(ServerName("fronted.test"));
        await socket.SendAsync(hello, SocketFlags.None);
        await Eventually.TrueAsync(() => upstream.Received.Length >= hello.Length, "the hello to cross the tunnel");
        Assert.Equal(hello, upstream.Received);
        var e = await EventAsync(proxy, "WOULD_BLOCK", "fronted.test");
        Assert.Equal(("WOULD_BLOCK", "rule", "block-evil"), Fields(e));
        Assert.StartsWith("Judged by its SNI fronted.test: observe mode let it through", (await ExplanationAsync(proxy, e)).GetProperty("summary").GetString());
        socket.Shutdown(SocketShutdown.Send);
        await Eventually.TrueAsync(() => proxy.Node.Metrics.TotalRequests == 1, "the CONNECT to be counted");
        Assert.Equal(0, proxy.Node.Metrics.TotalBlocked);
    }
}
