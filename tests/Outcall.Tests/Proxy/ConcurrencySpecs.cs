using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace Outcall.Tests.Proxy;

/// <summary>SC-008: many clients at once, HTTP and HTTPS mixed, each getting exactly its own answer.</summary>
public sealed class ConcurrencySpecs : IAsyncLifetime
{
    private HttpUpstream _http = null!;
    private TlsUpstream _tls = null!;
    private ProxyHarness _proxy = null!;

    public async Task InitializeAsync()
    {
        _http = await HttpUpstream.StartAsync();
        _tls = new TlsUpstream();
        _proxy = await ProxyHarness.StartAsync(resolver: new StaticResolver().Map("upstream.test", IPAddress.Loopback));
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _tls.DisposeAsync();
        await _http.DisposeAsync();
    }

    [Fact]
    public async Task Fifty_concurrent_clients_mixing_HTTP_and_HTTPS_all_get_their_own_answers_SC008()
    {
        var clients = Enumerable.Range(0, 50).Select(i => i % 2 == 0 ? HttpClientAsync(i) : TlsClientAsync(i));
        var answers = await Task.WhenAll(clients).WaitAsync(TimeSpan.FromSeconds(60));
        for (var i = 0; i < answers.Length; i++) Assert.Equal($"client {i}", answers[i]);
    }

    private async Task<string> HttpClientAsync(int i)
    {
        using var client = _proxy.CreateClient();
        var body = await client.GetStringAsync($"http://{_http.Authority}/echo/{i}?x={i}");
        Assert.StartsWith($"GET /echo/{i}?x={i}\n", body);
        return $"client {i}";
    }

    private async Task<string> TlsClientAsync(int i)
    {
        using var socket = await _proxy.ConnectRawAsync();
        await socket.SendAsync(Encoding.ASCII.GetBytes($"CONNECT upstream.test:{_tls.Port} HTTP/1.1\r\nHost: upstream.test:{_tls.Port}\r\n\r\n"), SocketFlags.None);
        var (head, _) = await RawIo.ReadHeadAsync(socket, TimeSpan.FromSeconds(20));
        Assert.StartsWith("HTTP/1.1 200", head);
        await using var tls = new SslStream(new NetworkStream(socket), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync("upstream.test");
        var message = Encoding.ASCII.GetBytes($"client {i}");
        await tls.WriteAsync(message);
        var back = new byte[message.Length];
        await tls.ReadExactlyAsync(back);
        return Encoding.ASCII.GetString(back);
    }
}
