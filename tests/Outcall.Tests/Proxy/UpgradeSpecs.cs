using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;

namespace Outcall.Tests.Proxy;

/// <summary>WebSocket and other Upgrades (EC-014) and HTTP/2 attempts (EC-011).</summary>
public sealed class UpgradeSpecs : ProxiedUpstreamSpecs
{
    [Fact]
    public async Task A_WebSocket_upgrade_relays_the_upstream_101_and_then_tunnels_frames_EC014()
    {
        using var socket = await Proxy.ConnectRawAsync();
        await socket.SendAsync(Encoding.ASCII.GetBytes(
            $"GET http://{Upstream.Authority}/ws HTTP/1.1\r\nHost: {Upstream.Authority}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"), SocketFlags.None);
        var (head, early) = await RawIo.ReadHeadAsync(socket, TimeSpan.FromSeconds(10));
        Assert.StartsWith("HTTP/1.1 101", head);
        Assert.Contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", head);
        Assert.Empty(early);
        using var websocket = WebSocket.CreateFromStream(new NetworkStream(socket), isServer: false, subProtocol: null, TimeSpan.Zero);
        await websocket.SendAsync("echo me"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[64];
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = await websocket.ReceiveAsync(buffer, deadline.Token);
        Assert.Equal("echo me", Encoding.ASCII.GetString(buffer, 0, received.Count));
    }

    [Fact]
    public async Task ClientWebSocket_through_the_proxy_exchanges_messages()
    {
        using var client = new ClientWebSocket();
        client.Options.Proxy = new WebProxy(Proxy.ProxyUri);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await client.ConnectAsync(new Uri($"ws://{Upstream.Authority}/ws"), deadline.Token);
        await client.SendAsync("ping"u8.ToArray(), WebSocketMessageType.Text, true, deadline.Token);
        var buffer = new byte[16];
        var received = await client.ReceiveAsync(buffer, deadline.Token);
        Assert.Equal("ping", Encoding.ASCII.GetString(buffer, 0, received.Count));
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", deadline.Token);
    }

    [Fact]
    public async Task An_upgrade_the_upstream_declines_is_relayed_as_a_normal_response()
    {
        var response = await Proxy.SendRawAsync(
            $"GET http://{Upstream.Authority}/echo/no-ws HTTP/1.1\r\nHost: {Upstream.Authority}\r\nConnection: Upgrade, close\r\nUpgrade: websocket\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", response);
        Assert.Contains("GET /echo/no-ws", response);
    }

    [Fact]
    public async Task An_HTTP2_preface_gets_an_HTTP_1_1_error_not_a_hang_EC011()
    {
        var response = await Proxy.SendRawAsync("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 505", response);
        Assert.Equal(0, Upstream.Connections);
    }

    [Fact]
    public async Task An_h2c_upgrade_request_is_answered_in_HTTP_1_1_without_the_upgrade_EC011()
    {
        var response = await Proxy.SendRawAsync(
            $"GET http://{Upstream.Authority}/echo/h2c HTTP/1.1\r\nHost: {Upstream.Authority}\r\nConnection: Upgrade, HTTP2-Settings, close\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", response);
        Assert.Contains("GET /echo/h2c\n", response);
        Assert.DoesNotContain("http2-settings", response, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("upgrade", response, StringComparison.OrdinalIgnoreCase);
    }
}
