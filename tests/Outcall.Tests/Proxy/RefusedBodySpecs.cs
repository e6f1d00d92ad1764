using System.Net;
using System.Net.Sockets;
using System.Text;
using Outcall.Proxy;
using static Outcall.Tests.Http.HttpText;

namespace Outcall.Tests.Proxy;

/// <summary>Discarding a refused request's body on its own, over a real loopback pair: framing, budget, silence.</summary>
public sealed class RefusedBodySpecs : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly List<Socket> _sockets = [];
    private readonly ConnectionBuffer _buffer = new(4096);

    public RefusedBodySpecs()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(4);
    }

    private async Task<(Socket Client, Socket Proxy)> PairAsync()
    {
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accepting = _listener.AcceptAsync();
        await client.ConnectAsync(_listener.LocalEndPoint!);
        var proxy = await accepting;
        _sockets.Add(client);
        _sockets.Add(proxy);
        return (client, proxy);
    }

    private Task<bool> DiscardAsync(Socket proxy, string head, long budget = 1 << 20, TimeSpan? silence = null) =>
        RefusedBody.DiscardAsync(new SocketChannel(proxy), _buffer, ParseValidRequest(head), budget, silence ?? TimeSpan.FromSeconds(10), CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(20));

    [Fact]
    public async Task A_Content_Length_body_is_read_exactly_to_its_end_and_what_follows_stays_buffered()
    {
        var (client, proxy) = await PairAsync();
        await client.SendAsync(Encoding.ASCII.GetBytes(new string('x', 3000) + "NEXT"), SocketFlags.None);

        Assert.True(await DiscardAsync(proxy, "POST http://a.test/ HTTP/1.1\r\nHost: a.test\r\nContent-Length: 3000\r\n\r\n"));
        while (_buffer.Count < 4) await _buffer.FillAsync(new SocketChannel(proxy), CancellationToken.None);
        Assert.Equal("NEXT", Encoding.ASCII.GetString(_buffer.Span));
    }

    [Fact]
    public async Task A_chunked_body_is_read_through_its_last_chunk_and_trailers()
    {
        var (client, proxy) = await PairAsync();
        await client.SendAsync("5\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n"u8.ToArray(), SocketFlags.None);

        Assert.True(await DiscardAsync(proxy, "POST http://a.test/ HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n"));
        Assert.Equal(0, _buffer.Count);
    }

    [Fact]
    public async Task A_Content_Length_over_the_budget_is_not_read_at_all()
    {
        var (_, proxy) = await PairAsync();
        Assert.False(await DiscardAsync(proxy, "POST http://a.test/ HTTP/1.1\r\nHost: a.test\r\nContent-Length: 2000\r\n\r\n", budget: 1000));
    }

    [Fact]
    public async Task A_chunked_body_running_past_the_budget_is_given_up()
    {
        var (client, proxy) = await PairAsync();
        var chunk = Encoding.ASCII.GetBytes($"400\r\n{new string('y', 1024)}\r\n");
        for (var i = 0; i < 4; i++) await client.SendAsync(chunk, SocketFlags.None);

        Assert.False(await DiscardAsync(proxy, "POST http://a.test/ HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n", budget: 2048));
    }

    [Fact]
    public async Task A_malformed_chunk_is_given_up()
    {
        var (client, proxy) = await PairAsync();
        await client.SendAsync("zz\r\n"u8.ToArray(), SocketFlags.None);
        Assert.False(await DiscardAsync(proxy, "POST http://a.test/ HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n"));
    }

    [Fact]
    public async Task A_client_that_goes_silent_inside_its_body_is_given_up_after_the_silence_timeout()
    {
        var (client, proxy) = await PairAsync();
        await client.SendAsync("abc"u8.ToArray(), SocketFlags.None);
        Assert.False(await DiscardAsync(proxy, "POST http://a.test/ HTTP/1.1\r\nHost: a.test\r\nContent-Length: 10\r\n\r\n",
            silence: TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task A_client_that_closes_inside_its_body_is_given_up()
    {
        var (client, proxy) = await PairAsync();
        await client.SendAsync("abc"u8.ToArray(), SocketFlags.None);
        client.Shutdown(SocketShutdown.Send);
        Assert.False(await DiscardAsync(proxy, "POST http://a.test/ HTTP/1.1\r\nHost: a.test\r\nContent-Length: 10\r\n\r\n"));
    }

    [Fact]
    public async Task A_body_that_waits_for_100_Continue_is_not_waited_for()
    {
        var (_, proxy) = await PairAsync();
        Assert.False(await DiscardAsync(proxy, "POST http://a.test/ HTTP/1.1\r\nHost: a.test\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n"));
    }

    [Fact]
    public async Task A_request_without_a_body_has_nothing_to_discard()
    {
        var (_, proxy) = await PairAsync();
        Assert.True(await DiscardAsync(proxy, "GET http://a.test/ HTTP/1.1\r\nHost: a.test\r\n\r\n"));
    }

    [Fact]
    public void The_budget_defaults_to_16_MiB()
    {
        Assert.Equal(16L * 1024 * 1024, ProxySettings.Create(Akka.Configuration.Config.Empty).MaxRefusedBodyBytes);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("lots")]
    public void A_budget_that_is_not_a_size_is_refused_naming_the_key(string value)
    {
        var error = Assert.ThrowsAny<Exception>(() =>
            ProxySettings.Create(Akka.Configuration.ConfigurationFactory.ParseString($"outcall.proxy.max-refused-body-bytes = {value}")));
        Assert.Contains("max-refused-body-bytes", error.Message);
    }

    public void Dispose()
    {
        foreach (var socket in _sockets) socket.Dispose();
        _listener.Dispose();
        _buffer.Dispose();
    }
}
