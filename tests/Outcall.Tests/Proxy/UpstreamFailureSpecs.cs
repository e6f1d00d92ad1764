using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Outcall.Tests.Proxy;

/// <summary>Upstream failures become precise answers (FR-019, FR-021, EC-002, EC-003, FR-010).</summary>
public sealed class UpstreamFailureSpecs : IAsyncLifetime
{
    private ProxyHarness _proxy = null!;

    public async Task InitializeAsync() => _proxy = await ProxyHarness.StartAsync(extraHocon: "outcall.proxy.connect-timeout = 1s");

    public async Task DisposeAsync() => await _proxy.DisposeAsync();

    [Fact]
    public async Task A_refused_upstream_gets_502_and_a_warning_EC002()
    {
        var port = ClosedPort();
        var response = await _proxy.SendRawAsync($"GET http://127.0.0.1:{port}/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 502", response);
        Assert.Contains("refused", response);
        await _proxy.Log.WaitForLineAsync(l => l.Contains("\"@l\":\"Warning\"") && l.Contains("Upstream failure"));
    }

    [Fact]
    public async Task A_name_that_does_not_resolve_gets_502_saying_DNS_EC003()
    {
        var response = await _proxy.SendRawAsync("GET http://nowhere.test/ HTTP/1.1\r\nHost: nowhere.test\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 502", response);
        Assert.Contains("DNS", response);
    }

    [Fact]
    public async Task An_upstream_that_never_accepts_gets_504_after_the_connect_timeout_FR010()
    {
        using var stuck = StuckListener.Create(out var port);
        var response = await _proxy.SendRawAsync($"GET http://127.0.0.1:{port}/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n", TimeSpan.FromSeconds(15));
        Assert.StartsWith("HTTP/1.1 504", response);
    }

    [Fact]
    public async Task A_CONNECT_to_a_refused_port_gets_502_before_any_200()
    {
        var port = ClosedPort();
        var response = await _proxy.SendRawAsync($"CONNECT 127.0.0.1:{port} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 502", response);
        Assert.DoesNotContain("200", response);
    }

    [Fact]
    public async Task An_upstream_closing_in_the_middle_of_a_response_closes_the_client()
    {
        await using var upstream = AnswerOnce("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial");
        var port = upstream.Port;
        using var client = await _proxy.ConnectRawAsync();
        await client.SendAsync(Encoding.ASCII.GetBytes($"GET http://127.0.0.1:{port}/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"), SocketFlags.None);
        var response = await RawIo.ReadUntilCloseAsync(client, TimeSpan.FromSeconds(10));
        Assert.StartsWith("HTTP/1.1 200", response);
        Assert.EndsWith("partial", response);
    }

    [Fact]
    public async Task An_ambiguous_upstream_response_is_not_relayed()
    {
        await using var upstream = AnswerOnce("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
        var port = upstream.Port;
        var response = await _proxy.SendRawAsync($"GET http://127.0.0.1:{port}/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 502", response);
    }

    /// <summary>An upstream that reads a request and answers with exactly these bytes, then closes.</summary>
    private static RawUpstream AnswerOnce(string response) => new(async (socket, _) =>
    {
        var buffer = new byte[4096];
        await socket.ReceiveAsync(buffer, SocketFlags.None);
        await socket.SendAsync(Encoding.ASCII.GetBytes(response), SocketFlags.None);
    });

    internal static int ClosedPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}

/// <summary>
/// A listener whose accept queue is full, so further SYNs go unanswered: the loopback stand-in for
/// an upstream that never accepts.
/// </summary>
internal sealed class StuckListener : IDisposable
{
    private readonly Socket _listener;
    private readonly List<Socket> _fillers = [];

    private StuckListener(Socket listener) => _listener = listener;

    public static StuckListener Create(out int port)
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var stuck = new StuckListener(listener);
        // Fill the accept queue (backlog 0 still admits one) with connections nobody accepts.
        for (var i = 0; i < 3; i++)
        {
            var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            filler.Blocking = false;
            try
            {
                filler.Connect(listener.LocalEndPoint!);
            }
            catch (SocketException)
            {
                // In progress or dropped: either way it occupies the queue or proves it full.
            }
            stuck._fillers.Add(filler);
        }
        return stuck;
    }

    public void Dispose()
    {
        foreach (var filler in _fillers) filler.Dispose();
        _listener.Dispose();
    }
}
