using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace Outcall.Tests.Proxy;

public sealed class ProxyForwardingSpecs : IAsyncLifetime
{
    private HttpUpstream _upstream = null!;
    private ProxyHarness _proxy = null!;

    public async Task InitializeAsync()
    {
        _upstream = await HttpUpstream.StartAsync();
        _proxy = await ProxyHarness.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task An_allowed_GET_is_forwarded_in_origin_form_and_its_response_relayed_FR003()
    {
        using var client = _proxy.CreateClient();
        var body = await client.GetStringAsync($"http://{_upstream.Authority}/echo/a?b=c");
        Assert.StartsWith("GET /echo/a?b=c\n", body);
        Assert.Contains($"host: {_upstream.Authority}\n", body);
    }

    [Fact]
    public async Task A_CONNECT_tunnel_carries_TLS_end_to_end_with_the_SNI_unchanged_FR017()
    {
        await using var tls = new TlsUpstream();
        _proxy.Resolver.Map("upstream.test", IPAddress.Loopback);
        using var socket = await _proxy.ConnectRawAsync();
        await socket.SendAsync(Encoding.ASCII.GetBytes($"CONNECT upstream.test:{tls.Port} HTTP/1.1\r\nHost: upstream.test:{tls.Port}\r\n\r\n"), SocketFlags.None);
        var (head, _) = await RawIo.ReadHeadAsync(socket, TimeSpan.FromSeconds(10));
        Assert.StartsWith("HTTP/1.1 200", head);
        await using var stream = new SslStream(new NetworkStream(socket), false, (_, _, _, _) => true);
        await stream.AuthenticateAsClientAsync("upstream.test");
        await stream.WriteAsync("ping"u8.ToArray());
        var buffer = new byte[4];
        await stream.ReadExactlyAsync(buffer);
        Assert.Equal("ping", Encoding.ASCII.GetString(buffer));
        Assert.Equal(["upstream.test"], tls.ServerNames);
    }
}
