using System.Net;
using System.Net.Sockets;
using System.Text;
using Outcall.Tests.Identity;

namespace Outcall.Tests.Proxy;

/// <summary>
/// Optional proxy authentication end to end (S006 FR-014, generation A): 407 with our Basic challenge on a
/// request or CONNECT without a valid credential, a valid one naming the agent for rules over the network
/// map, and the credential never reaching the upstream, the rules or the log.
/// </summary>
public sealed class ProxyAuthSpecs() : ProxiedUpstreamSpecs(Rules, Identity)
{
    private const string Rules = """
        version: "1"
        rules:
          - id: credential-visible-to-rules
            condition: '"proxy-authorization" in http.headers'
            action: block
            priority: 10
          - id: only-the-builder
            condition: agent.name == "builder"
            action: allow
            egress:
              allow_private_ips: true
        """;

    private const string Token = "s3cret-T0ken";

    // The loopback network is agent "net", which no rule allows: only the credential can make a request "builder".
    private static readonly string Identity = $$"""
        outcall.identity {
          agents { net = ["127.0.0.0/8"] }
          tokens { builder = "{{Token}}", hashed = "{{ProxyAuthenticatorSpecs.SaltedHash("salt", "other")}}" }
          require-proxy-auth = on
        }
        """;

    private static string Credential(string user, string token) => ProxyAuthenticatorSpecs.Basic($"{user}:{token}");

    private string Get(string path, string? credential) =>
        $"GET http://{Upstream.Authority}{path} HTTP/1.1\r\nHost: {Upstream.Authority}\r\n" +
        (credential is null ? "" : $"Proxy-Authorization: {credential}\r\n") + "Connection: close\r\n\r\n";

    [Fact]
    public async Task A_request_without_a_credential_gets_407_with_a_Basic_challenge_and_the_IF004_body()
    {
        var response = await Proxy.SendRawAsync(Get("/echo/x", credential: null));

        Assert.StartsWith("HTTP/1.1 407 Proxy Authentication Required\r\n", response);
        Assert.Contains("Proxy-Authenticate: Basic realm=\"outcall\"\r\n", response);
        Assert.Contains("X-Outcall-Block-Reason: proxy authentication required\r\n", response);
        Assert.EndsWith("\r\n\r\nBlocked by outcall: proxy authentication required", response);
        Assert.Equal(0, Upstream.Connections);
    }

    [Fact]
    public async Task A_CONNECT_without_a_credential_gets_407_and_no_upstream_connection()
    {
        await using var upstream = new RawUpstream(async (socket, self) => await self.ReadToEndAsync(socket));
        var response = await Proxy.SendRawAsync($"CONNECT 127.0.0.1:{upstream.Port} HTTP/1.1\r\nHost: 127.0.0.1:{upstream.Port}\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 407 ", response);
        Assert.Contains("Proxy-Authenticate: Basic realm=\"outcall\"\r\n", response);
        Assert.Equal(0, upstream.Connections);
    }

    [Fact]
    public async Task A_wrong_token_is_refused_with_407_and_the_failure_is_audited_without_the_credential()
    {
        var credential = Credential("builder", "wrong-token");
        var response = await Proxy.SendRawAsync(Get("/echo/x", credential));

        Assert.StartsWith("HTTP/1.1 407 ", response);
        Assert.Contains("X-Outcall-Block-Reason: proxy authentication failed\r\n", response);
        Assert.Equal(0, Upstream.Connections);
        var line = await Proxy.Log.WaitForLineAsync(l => l.Contains("\"Decision\":\"BLOCK\""));
        Assert.Contains("proxy authentication failed", line);
        Assert.Contains("\"Agent\":\"net\"", line);
        Assert.DoesNotContain(Proxy.Log.Lines(), l => l.Contains("wrong-token") || l.Contains(credential["Basic ".Length..]));
    }

    [Fact]
    public async Task A_valid_credential_names_the_agent_for_the_rules_over_the_network_map()
    {
        var response = await Proxy.SendRawAsync(Get("/echo/who", Credential("builder", Token)));

        Assert.StartsWith("HTTP/1.1 200 ", response);
        var line = await Proxy.Log.WaitForLineAsync(l => l.Contains("\"Decision\":\"ALLOW\""));
        Assert.Contains("\"Agent\":\"builder\"", line);
    }

    [Fact]
    public async Task The_credential_reaches_neither_the_upstream_nor_the_rules_nor_the_log_FR014()
    {
        var credential = Credential("builder", Token);
        var response = await Proxy.SendRawAsync(Get("/echo/who", credential));

        // The echo upstream lists every field it received; the rule that blocks on the field never fired.
        Assert.StartsWith("HTTP/1.1 200 ", response);
        Assert.DoesNotContain("proxy-authorization", response, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Proxy.Log.Lines(), l => l.Contains(Token) || l.Contains(credential["Basic ".Length..]));
    }

    [Fact]
    public async Task A_token_configured_as_a_salted_hash_authenticates_its_agent()
    {
        // "hashed" is a known agent, but only "builder" is allowed: the request gets past the 407 to the rules.
        var response = await Proxy.SendRawAsync(Get("/echo/who", Credential("hashed", "other")));

        Assert.StartsWith("HTTP/1.1 403 ", response);
        Assert.Contains("X-Outcall-Block-Reason: default policy", response);
    }

    [Fact]
    public async Task A_CONNECT_with_a_valid_credential_is_tunnelled_and_the_upstream_gets_only_the_tunnel_bytes()
    {
        await using var upstream = new RawUpstream(async (socket, self) =>
        {
            var received = await self.ReadToEndAsync(socket);
            await socket.SendAsync(received, SocketFlags.None);
        });
        using var socket = await Proxy.ConnectRawAsync();
        await socket.SendAsync(Encoding.ASCII.GetBytes(
            $"CONNECT 127.0.0.1:{upstream.Port} HTTP/1.1\r\nHost: 127.0.0.1:{upstream.Port}\r\nProxy-Authorization: {Credential("builder", Token)}\r\n\r\n"),
            SocketFlags.None);
        var (head, _) = await RawIo.ReadHeadAsync(socket, TimeSpan.FromSeconds(10));
        Assert.StartsWith("HTTP/1.1 200 Connection Established", head);

        await socket.SendAsync("\u0001ping"u8.ToArray(), SocketFlags.None);
        socket.Shutdown(SocketShutdown.Send);
        var echoed = await RawIo.ReadBytesUntilCloseAsync(socket, TimeSpan.FromSeconds(10));

        Assert.Equal("\u0001ping", Encoding.ASCII.GetString(echoed));
        Assert.Equal("\u0001ping", Encoding.ASCII.GetString(upstream.Received));
    }

    [Fact]
    public async Task A_real_client_answers_the_challenge_with_its_proxy_credentials_and_gets_through()
    {
        // HttpClient sends proxy credentials only after a 407 with a Basic challenge: this exercises the challenge itself.
        var proxy = new WebProxy(Proxy.ProxyUri) { Credentials = new NetworkCredential("builder", Token) };
        using var client = new HttpClient(new SocketsHttpHandler { Proxy = proxy, UseProxy = true });
        var response = await client.GetAsync($"http://{Upstream.Authority}/echo/real-client");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("GET /echo/real-client", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_health_endpoint_needs_no_credential_FR022()
    {
        var response = await Proxy.SendRawAsync("GET /outcall-health HTTP/1.1\r\nHost: proxy\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 ", response);
    }
}
