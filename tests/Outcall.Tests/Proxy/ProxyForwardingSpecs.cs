using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Outcall.Tests.Proxy;

/// <summary>Plain HTTP through the proxy (FR-003, FR-020, FR-022, EC-006, EC-007), against a real Kestrel upstream.</summary>
public sealed class ProxyForwardingSpecs : ProxiedUpstreamSpecs
{
    [Fact]
    public async Task An_allowed_GET_is_forwarded_in_origin_form_and_its_response_relayed_FR003()
    {
        using var client = Proxy.CreateClient();
        var body = await client.GetStringAsync($"http://{Upstream.Authority}/echo/a?b=c");
        Assert.StartsWith("GET /echo/a?b=c\n", body);
        Assert.Contains($"host: {Upstream.Authority}\n", body);
    }

    [Theory]
    [InlineData("PATCH")]
    [InlineData("DELETE")]
    [InlineData("PURGE")]
    public async Task Any_method_is_judged_and_forwarded_like_GET_EC007(string method)
    {
        using var client = Proxy.CreateClient();
        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), $"http://{Upstream.Authority}/echo/m"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith($"{method} /echo/m\n", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Hop_by_hop_fields_and_those_named_in_Connection_are_not_forwarded_FR020()
    {
        var response = await Proxy.SendRawAsync(
            $"GET http://{Upstream.Authority}/echo/h HTTP/1.1\r\nHost: {Upstream.Authority}\r\nConnection: close, X-Secret-Hop\r\n" +
            "X-Secret-Hop: 1\r\nKeep-Alive: timeout=5\r\nProxy-Authorization: Basic dXNlcjpwYXNz\r\nTE: trailers\r\nX-Kept: yes\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", response);
        Assert.Contains("x-kept: yes\n", response);
        Assert.DoesNotContain("x-secret-hop", response);
        Assert.DoesNotContain("keep-alive", response, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("proxy-authorization", response);
        Assert.DoesNotContain("\nte:", response);
    }

    [Fact]
    public async Task A_chunked_upload_of_10_MB_arrives_byte_identical()
    {
        using var client = Proxy.CreateClient();
        var payload = HttpUpstream.Pattern(10 * 1024 * 1024);
        var content = new StreamContent(new MemoryStream(payload));
        var request = new HttpRequestMessage(HttpMethod.Post, $"http://{Upstream.Authority}/sink") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        var response = await client.SendAsync(request);
        Assert.Equal($"{payload.Length} {Convert.ToHexString(SHA256.HashData(payload))}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_chunked_download_of_10_MB_arrives_byte_identical()
    {
        using var client = Proxy.CreateClient();
        var response = await client.GetAsync($"http://{Upstream.Authority}/bytes?n={10 * 1024 * 1024}");
        Assert.True(response.Headers.TransferEncodingChunked);
        Assert.Equal(HttpUpstream.Pattern(10 * 1024 * 1024), await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_content_length_upload_arrives_byte_identical()
    {
        using var client = Proxy.CreateClient();
        var payload = HttpUpstream.Pattern(3 * 1024 * 1024 + 7);
        var response = await client.PostAsync($"http://{Upstream.Authority}/sink", new ByteArrayContent(payload));
        Assert.Equal($"{payload.Length} {Convert.ToHexString(SHA256.HashData(payload))}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Keep_alive_clients_reuse_one_upstream_connection_for_sequential_requests()
    {
        using var client = Proxy.CreateClient();
        for (var i = 0; i < 5; i++) Assert.StartsWith($"GET /echo/{i}\n", await client.GetStringAsync($"http://{Upstream.Authority}/echo/{i}"));
        Assert.Equal(1, Upstream.Connections);
    }

    [Fact]
    public async Task A_pipelined_pair_of_requests_is_answered_in_order()
    {
        using var socket = await Proxy.ConnectRawAsync();
        var request = $"GET http://{Upstream.Authority}/echo/first HTTP/1.1\r\nHost: {Upstream.Authority}\r\n\r\n" +
                      $"GET http://{Upstream.Authority}/echo/second HTTP/1.1\r\nHost: {Upstream.Authority}\r\nConnection: close\r\n\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None);
        var response = await RawIo.ReadUntilCloseAsync(socket, TimeSpan.FromSeconds(10));
        var first = response.IndexOf("GET /echo/first", StringComparison.Ordinal);
        var second = response.IndexOf("GET /echo/second", StringComparison.Ordinal);
        Assert.True(first >= 0 && second > first, response);
        Assert.Equal(2, response.Split("HTTP/1.1 200").Length - 1);
    }

    [Fact]
    public async Task HEAD_and_204_and_304_responses_carry_no_body()
    {
        using var socket = await Proxy.ConnectRawAsync();
        var request = $"HEAD http://{Upstream.Authority}/bytes?n=100 HTTP/1.1\r\nHost: {Upstream.Authority}\r\n\r\n" +
                      $"GET http://{Upstream.Authority}/status/204 HTTP/1.1\r\nHost: {Upstream.Authority}\r\n\r\n" +
                      $"GET http://{Upstream.Authority}/status/304 HTTP/1.1\r\nHost: {Upstream.Authority}\r\nConnection: close\r\n\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None);
        var response = await RawIo.ReadUntilCloseAsync(socket, TimeSpan.FromSeconds(10));
        var heads = response.Split("\r\n\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, heads.Length);
        Assert.StartsWith("HTTP/1.1 200", heads[0]);
        Assert.StartsWith("HTTP/1.1 204", heads[1]);
        Assert.StartsWith("HTTP/1.1 304", heads[2]);
    }

    [Fact]
    public async Task Expect_100_continue_gets_one_interim_response_and_the_body_goes_through()
    {
        using var client = Proxy.CreateClient();
        var request = new HttpRequestMessage(HttpMethod.Post, $"http://{Upstream.Authority}/sink") { Content = new ByteArrayContent("hello"u8.ToArray()) };
        request.Headers.ExpectContinue = true;
        var response = await client.SendAsync(request);
        Assert.Equal($"5 {Convert.ToHexString(SHA256.HashData("hello"u8.ToArray()))}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_request_head_over_8_KiB_gets_431_and_nothing_is_forwarded_EC006()
    {
        var response = await Proxy.SendRawAsync(
            $"GET http://{Upstream.Authority}/echo HTTP/1.1\r\nHost: {Upstream.Authority}\r\nX-Big: {new string('a', 9000)}\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 431", response);
        Assert.Equal(0, Upstream.Connections);
    }

    [Fact]
    public async Task The_health_endpoint_answers_locally_with_counters_FR022()
    {
        using var client = Proxy.CreateClient();
        await client.GetStringAsync($"http://{Upstream.Authority}/echo/1");
        using var direct = new HttpClient();
        var response = await direct.GetAsync($"http://{Proxy.Endpoint}/outcall-health");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("ok", json.GetProperty("status").GetString());
        Assert.Equal(1, json.GetProperty("total_requests").GetInt64());
        Assert.Equal(0, json.GetProperty("total_blocked").GetInt64());
        Assert.True(json.GetProperty("active_connections").GetInt64() >= 1);
    }

    [Fact]
    public async Task The_health_path_with_a_query_is_not_the_health_endpoint()
    {
        var response = await Proxy.SendRawAsync("GET /outcall-health?x=1 HTTP/1.1\r\nHost: localhost\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 400", response);
    }

    [Fact]
    public async Task The_start_logs_the_listen_address_at_info_AS009()
    {
        var line = await Proxy.Log.WaitForLineAsync(l => l.Contains("listening on"));
        Assert.Contains(Proxy.Endpoint.ToString(), line);
        Assert.DoesNotContain("\"@l\"", line); // CLEF omits the level for Information
    }

    [Fact]
    public async Task A_Connection_close_response_from_upstream_still_completes_the_client_request()
    {
        using var client = Proxy.CreateClient();
        var request = new HttpRequestMessage(HttpMethod.Get, $"http://{Upstream.Authority}/echo/close");
        request.Headers.ConnectionClose = true;
        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("GET /echo/close", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Response_headers_reach_the_client_without_hop_by_hop_fields()
    {
        using var client = Proxy.CreateClient();
        var response = await client.GetAsync($"http://{Upstream.Authority}/echo/x");
        Assert.Equal(new MediaTypeHeaderValue("text/plain"), response.Content.Headers.ContentType);
        Assert.False(response.Headers.Contains("Keep-Alive"));
    }

    [Fact]
    public async Task An_HTTP_1_0_client_gets_a_chunked_upstream_body_decoded_and_close_delimited()
    {
        var response = await Proxy.SendRawAsync($"GET http://{Upstream.Authority}/bytes?n=5000 HTTP/1.0\r\nHost: {Upstream.Authority}\r\n\r\n");
        var split = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = response[..split];
        Assert.DoesNotContain("chunked", head, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Connection: close", head);
        Assert.Equal(HttpUpstream.Pattern(5000), System.Text.Encoding.Latin1.GetBytes(response[(split + 4)..]));
    }
}
