using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Outcall.Intercept;
using Outcall.Tests.Proxy;
using Outcall.Tests.SuiteLogs;

namespace Outcall.Tests.Intercept;

/// <summary>
/// One node with a test CA, two secrets and an origin on loopback (TLS, trusted through upstream-trust, and plain),
/// shared by the <see cref="SecretsSpecs"/>: every host resolves to 127.0.0.1 through the injected resolver.
/// gh is bound to api.bound.test, plain.bound.test and opaque.bound.test, allow-plaintext off; plainok to
/// plain.bound.test with allow-plaintext on. other.test is intercepted too but bound to no secret.
/// </summary>
public sealed class SecretsNode : IAsyncLifetime
{
    public const string Bound = "api.bound.test", Unbound = "other.test", Plain = "plain.bound.test", Opaque = "opaque.bound.test";

    /// <summary>Not a placeholder: what a rule would see if the proxy put the secret in before judging.</summary>
    private const string Rules = """
        version: "1"
        rules:
          - id: rules-never-see-a-real-key
            priority: 1
            condition: http.scheme != "" && "x-api-key" in http.headers && !http.headers["x-api-key"].startsWith("outcall-secret-")
            action: block
          - id: intercepted
            condition: network.hostname == "api.bound.test" || network.hostname == "other.test"
            action: allow
            egress:
              mode: intercept
              allow_private_ips: true
          - id: tunnelled-or-plain
            condition: network.hostname == "opaque.bound.test" || network.hostname == "plain.bound.test"
            action: allow
            egress:
              allow_private_ips: true
        """;

    private readonly CaDirectory _ca = new();

    public string GhValue { get; } = TestSecrets.New("gh");
    public string PlainOkValue { get; } = TestSecrets.New("plainok");
    public ProxyHarness Proxy { get; private set; } = null!;
    public RecordingOrigin Tls { get; private set; } = null!;
    public RecordingOrigin PlainOrigin { get; private set; } = null!;
    public X509Certificate2 InterceptCa { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _ca.WithNewCa();
        InterceptCa = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(_ca.CertificatePath));
        Tls = await RecordingOrigin.StartTlsAsync();
        PlainOrigin = await RecordingOrigin.StartPlainAsync();
        var ghFile = Path.Combine(_ca.Path, "gh.secret");
        var plainOkFile = Path.Combine(_ca.Path, "plainok.secret");
        await File.WriteAllTextAsync(ghFile, GhValue + "\n");
        await File.WriteAllTextAsync(plainOkFile, PlainOkValue);
        var resolver = new StaticResolver();
        foreach (var host in new[] { Bound, Unbound, Plain, Opaque }) resolver.Map(host, IPAddress.Loopback);
        Proxy = await ProxyHarness.StartAsync(Rules, $$"""
            outcall.intercept {
              ca-cert = {{Json(_ca.CertificatePath)}}
              ca-key = {{Json(_ca.KeyPath)}}
              upstream-trust = [{{Json(Tls.CaPemPath)}}]
            }
            outcall.secrets {
              gh { value-from-file = {{Json(ghFile)}}, hosts = ["{{Bound}}", "{{Plain}}", "{{Opaque}}"] }
              plainok { value-from-file = {{Json(plainOkFile)}}, hosts = ["{{Plain}}"], allow-plaintext = on }
            }
            """, resolver);
    }

    private static string Json(string text) => JsonSerializer.Serialize(text);

    /// <summary>An agent's client through the proxy that trusts the interception CA (and, for the tunnel it does not see into, the origin's).</summary>
    public HttpClient Client()
    {
        var trust = new UpstreamTrust([InterceptCa, Tls.Ca.Certificate]);
        var handler = new SocketsHttpHandler
        {
            Proxy = new WebProxy(Proxy.ProxyUri), UseProxy = true, AllowAutoRedirect = false,
            SslOptions = { RemoteCertificateValidationCallback = (_, certificate, chain, errors) => trust.Validate(certificate, chain, errors) },
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        await Proxy.DisposeAsync();
        await Tls.DisposeAsync();
        await PlainOrigin.DisposeAsync();
        InterceptCa.Dispose();
        _ca.Dispose();
    }
}

/// <summary>
/// Issue 14, "Credentials agents never see", end to end through a real node: a placeholder <c>outcall-secret-&lt;name&gt;</c>
/// is replaced with the secret only on its way to one of the secret's hosts over TLS the proxy verified (or plain http://
/// where the secret allows it), after the rules judged the placeholder; anything else carrying one is refused with 403.
/// Every spec also checks that nothing the node logged holds a secret value; .ci/run checks every log of the whole suite
/// for the same values (<see cref="TestSecrets"/>).
/// </summary>
public sealed class SecretsSpecs(SecretsNode node) : IClassFixture<SecretsNode>, IDisposable
{
    private const string Gh = "outcall-secret-gh";

    private readonly HttpClient _client = node.Client();

    public void Dispose() => _client.Dispose();

    private string TlsOrigin(string host) => $"https://{host}:{node.Tls.Port}";

    private string PlainOrigin => $"http://{SecretsNode.Plain}:{node.PlainOrigin.Port}";

    /// <summary>One request through the proxy carrying <paramref name="apiKey"/> in X-Api-Key.</summary>
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string origin, string path, string apiKey)
    {
        using var request = new HttpRequestMessage(method, origin + path);
        request.Headers.Add("X-Api-Key", apiKey);
        return await _client.SendAsync(request);
    }

    private static string Basic(string credentials) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials));

    private string UniquePath() => "/" + Guid.NewGuid().ToString("N");

    private IReadOnlyList<RecordingOrigin.Received> ReceivedAt(RecordingOrigin origin, string path) =>
        origin.Requests.Where(r => r.Path == path).ToList();

    private static async Task<string> EverythingTheClientGot(HttpResponseMessage response) =>
        response.Headers + "\n" + response.Content.Headers + "\n" + await response.Content.ReadAsStringAsync();

    /// <summary>A 403 naming <paramref name="reason"/>, and nothing of the request reached the origin.</summary>
    private async Task AssertRefusedAsync(HttpResponseMessage response, string reason, RecordingOrigin origin, string path)
    {
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal($"Blocked by outcall: {reason}", await response.Content.ReadAsStringAsync());
        Assert.Empty(ReceivedAt(origin, path));
        AssertTheLogsHoldNoSecret();
    }

    private void AssertTheLogsHoldNoSecret()
    {
        var log = string.Join('\n', node.Proxy.Log.Lines());
        Assert.DoesNotContain(node.GhValue, log);
        Assert.DoesNotContain(node.PlainOkValue, log);
        Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes("x-access-token:" + node.GhValue)), log);
    }

    [Fact]
    public async Task A_placeholder_in_a_header_reaches_a_bound_host_as_the_secret_and_the_client_never_sees_it()
    {
        var path = UniquePath();

        using var response = await SendAsync(HttpMethod.Get, TlsOrigin(SecretsNode.Bound), path, Gh);

        // Had the rules seen the secret, rules-never-see-a-real-key would have blocked the request.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(node.GhValue, Assert.Single(ReceivedAt(node.Tls, path)).Headers["x-api-key"]);
        Assert.DoesNotContain(node.GhValue, await EverythingTheClientGot(response));
        AssertTheLogsHoldNoSecret();
    }

    [Fact]
    public async Task A_placeholder_inside_Basic_credentials_is_replaced_as_git_sends_them()
    {
        var path = UniquePath();
        using var request = new HttpRequestMessage(HttpMethod.Get, TlsOrigin(SecretsNode.Bound) + path);
        request.Headers.Authorization = AuthenticationHeaderValue.Parse(Basic("x-access-token:" + Gh));

        using var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Basic("x-access-token:" + node.GhValue), Assert.Single(ReceivedAt(node.Tls, path)).Headers["authorization"]);
        AssertTheLogsHoldNoSecret();
    }

    [Fact]
    public async Task A_placeholder_sent_to_an_unbound_host_is_refused_with_403_logged_at_warning_and_the_connection_stays_usable()
    {
        var path = UniquePath();

        using var response = await SendAsync(HttpMethod.Get, TlsOrigin(SecretsNode.Unbound), path, Gh);

        await AssertRefusedAsync(response, "secret placeholder for 'gh' sent to an unbound host", node.Tls, path);
        await node.Proxy.Log.WaitForLineAsync(line => line.Contains("\"@l\":\"Warning\"", StringComparison.Ordinal)
                                                      && line.Contains("secret placeholder for 'gh' sent to an unbound host", StringComparison.Ordinal));
        // The same intercepted connection carries the next request.
        using var next = await _client.GetAsync(TlsOrigin(SecretsNode.Unbound) + path);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Single(ReceivedAt(node.Tls, path));
        AssertTheLogsHoldNoSecret();
    }

    [Fact]
    public async Task A_placeholder_on_a_CONNECT_is_refused_because_the_proxy_cannot_see_into_a_plain_tunnel()
    {
        using var socket = await node.Proxy.ConnectRawAsync();
        var authority = $"{SecretsNode.Opaque}:{node.Tls.Port}";
        await socket.SendAsync(Encoding.ASCII.GetBytes($"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\nX-Api-Key: {Gh}\r\n\r\n"), SocketFlags.None);

        var answer = await RawIo.ReadUntilCloseAsync(socket, TimeSpan.FromSeconds(10));

        Assert.StartsWith("HTTP/1.1 403 ", answer);
        Assert.Contains("X-Outcall-Block-Reason: secret placeholder for 'gh' sent to an unbound host\r\n", answer);
        AssertTheLogsHoldNoSecret();
    }

    [Fact]
    public async Task Inside_a_tunnel_that_is_not_intercepted_the_origin_gets_the_placeholder_never_the_secret()
    {
        var path = UniquePath();

        using var response = await SendAsync(HttpMethod.Get, TlsOrigin(SecretsNode.Opaque), path, Gh);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Gh, Assert.Single(ReceivedAt(node.Tls, path)).Headers["x-api-key"]);
    }

    [Fact]
    public async Task Plain_http_gets_no_secret_whose_allow_plaintext_is_off()
    {
        var path = UniquePath();

        using var response = await SendAsync(HttpMethod.Get, PlainOrigin, path, Gh);

        await AssertRefusedAsync(response, "secret placeholder for 'gh' on plain http:// (the secret says allow-plaintext = off)", node.PlainOrigin, path);
    }

    [Fact]
    public async Task Plain_http_gets_a_secret_whose_allow_plaintext_is_on()
    {
        var path = UniquePath();

        using var response = await SendAsync(HttpMethod.Get, PlainOrigin, path, "outcall-secret-plainok");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(node.PlainOkValue, Assert.Single(ReceivedAt(node.PlainOrigin, path)).Headers["x-api-key"]);
        AssertTheLogsHoldNoSecret();
    }

    [Fact]
    public async Task A_TRACE_carrying_a_placeholder_is_refused_even_to_a_bound_host()
    {
        var path = UniquePath();

        using var response = await SendAsync(HttpMethod.Trace, TlsOrigin(SecretsNode.Bound), path, Gh);

        await AssertRefusedAsync(response, "secret placeholder for 'gh' in a TRACE request (its response would echo the secret)", node.Tls, path);
    }
}
