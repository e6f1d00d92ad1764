using System.Net;
using System.Net.Sockets;
using System.Text;
using Akka.Streams;
using Akka.TestKit.Xunit2;
using Outcall.Tests.Proxy;
using Outcall.Tunnels;

namespace Outcall.Tests.Tunnels;

/// <summary>
/// The tunnel graph on its own, over real loopback socket pairs (FR-017, FR-011, EC-004/EC-005). The graph is
/// built and fused once and materialized per run, so these also show that runs share nothing but the blueprint.
/// Every behaviour here holds for a tunnel that copies through buffers and for one that splices through pipes.
/// </summary>
public abstract class TunnelGraphSpecs : TestKit, IDisposable
{
    protected static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly List<Socket> _sockets = [];

    public TunnelGraphSpecs()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(64);
    }

    /// <summary>
    /// Two connected pairs: the agent's socket and the proxy's client end, the proxy's upstream end and the server's socket.
    /// </summary>
    protected async Task<(Socket Agent, Socket ClientEnd, Socket UpstreamEnd, Socket Server)> TwoPairsAsync()
    {
        var (agent, clientEnd) = await PairAsync();
        var (upstreamEnd, server) = await PairAsync();
        return (agent, clientEnd, upstreamEnd, server);
    }

    private async Task<(Socket Connecting, Socket Accepted)> PairAsync()
    {
        var connecting = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accepting = _listener.AcceptAsync();
        await connecting.ConnectAsync(_listener.LocalEndPoint!);
        var accepted = await accepting;
        _sockets.Add(connecting);
        _sockets.Add(accepted);
        return (connecting, accepted);
    }

    /// <summary>The graph's splice pipe budget: 0 copies.</summary>
    protected abstract int SplicePipes { get; }

    protected TunnelGraph Graph(TimeSpan? idleTimeout = null, int? hosts = null) =>
        new(idleTimeout ?? TimeSpan.FromSeconds(30), Sys.Materializer(), SplicePipes, hosts);

    protected static async Task<byte[]> ReadExactlyAsync(Socket socket, int count)
    {
        var buffer = new byte[count];
        using var deadline = new CancellationTokenSource(Wait);
        var read = 0;
        while (read < count)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, deadline.Token);
            if (n == 0) throw new Xunit.Sdk.XunitException($"closed after {read} of {count} bytes");
            read += n;
        }
        return buffer;
    }

    [Fact]
    public async Task Bytes_read_before_the_tunnel_go_first_and_everything_arrives_unchanged_in_both_directions()
    {
        var (agent, clientEnd, upstreamEnd, server) = await TwoPairsAsync();
        var payload = new byte[3 * TunnelGraph.ReadSize + 17];
        new Random(7).NextBytes(payload);
        var traffic = new TunnelTraffic();
        var tunnel = Graph().Run(clientEnd, Encoding.ASCII.GetBytes("hello-prefix:"), upstreamEnd, Encoding.ASCII.GetBytes("101-leftover:"), traffic);

        var toServer = ReadExactlyAsync(server, 13 + payload.Length);
        await agent.SendAsync(payload, SocketFlags.None);
        var atServer = await toServer;
        var toAgent = ReadExactlyAsync(agent, 13 + payload.Length);
        await server.SendAsync(payload, SocketFlags.None);
        var atAgent = await toAgent;

        Assert.Equal("hello-prefix:", Encoding.ASCII.GetString(atServer, 0, 13));
        Assert.True(atServer.AsSpan(13).SequenceEqual(payload));
        Assert.Equal("101-leftover:", Encoding.ASCII.GetString(atAgent, 0, 13));
        Assert.True(atAgent.AsSpan(13).SequenceEqual(payload));
        Assert.Equal(13 + payload.Length, traffic.BytesUp);
        Assert.Equal(13 + payload.Length, traffic.BytesDown);
        Assert.False(tunnel.Completion.IsCompleted);
    }

    [Fact]
    public async Task Runs_of_one_graph_at_the_same_time_each_carry_only_their_own_bytes()
    {
        var graph = Graph();
        var runs = new List<(Socket Agent, Socket Server, byte[] Payload)>();
        for (var i = 0; i < 8; i++)
        {
            var (agent, clientEnd, upstreamEnd, server) = await TwoPairsAsync();
            graph.Run(clientEnd, [], upstreamEnd, [], new TunnelTraffic());
            runs.Add((agent, server, Encoding.ASCII.GetBytes($"tunnel number {i} says hi")));
        }

        await Task.WhenAll(runs.Select(r => r.Agent.SendAsync(r.Payload, SocketFlags.None)));
        foreach (var (_, server, payload) in runs)
            Assert.Equal(payload, await ReadExactlyAsync(server, payload.Length));
    }

    [Fact]
    public async Task A_half_close_reaches_the_other_side_while_the_reverse_direction_keeps_flowing_EC_004()
    {
        var (agent, clientEnd, upstreamEnd, server) = await TwoPairsAsync();
        var tunnel = Graph().Run(clientEnd, [], upstreamEnd, [], new TunnelTraffic());

        await agent.SendAsync("request"u8.ToArray(), SocketFlags.None);
        agent.Shutdown(SocketShutdown.Send);
        Assert.Equal("request", await RawIo.ReadUntilCloseAsync(server, Wait));

        await server.SendAsync("response after the client's FIN"u8.ToArray(), SocketFlags.None);
        server.Shutdown(SocketShutdown.Send);
        Assert.Equal("response after the client's FIN", await RawIo.ReadUntilCloseAsync(agent, Wait));
        await tunnel.Completion.WaitAsync(Wait);
    }

    [Fact]
    public async Task Aborting_a_tunnel_fails_its_completion()
    {
        var (_, clientEnd, upstreamEnd, _) = await TwoPairsAsync();
        var tunnel = Graph().Run(clientEnd, [], upstreamEnd, [], new TunnelTraffic());

        tunnel.Abort(new OperationCanceledException("connection closed"));

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => tunnel.Completion.WaitAsync(Wait));
        Assert.IsType<OperationCanceledException>(failure.GetBaseException());
    }

    [Fact]
    public async Task Aborting_a_tunnel_that_carries_bytes_fails_its_completion()
    {
        var (agent, clientEnd, upstreamEnd, server) = await TwoPairsAsync();
        var tunnel = Graph().Run(clientEnd, [], upstreamEnd, [], new TunnelTraffic());
        await agent.SendAsync("started"u8.ToArray(), SocketFlags.None);
        await ReadExactlyAsync(server, "started".Length);

        tunnel.Abort(new OperationCanceledException("connection closed"));

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => tunnel.Completion.WaitAsync(Wait));
        Assert.IsType<OperationCanceledException>(failure.GetBaseException());
    }

    [Fact]
    public async Task A_tunnel_that_fails_leaves_the_other_tunnels_of_its_interpreter_running()
    {
        var graph = Graph(hosts: 1);
        var (_, failingClientEnd, failingUpstreamEnd, failingServer) = await TwoPairsAsync();
        var failing = graph.Run(failingClientEnd, [], failingUpstreamEnd, [], new TunnelTraffic());
        var (agent, clientEnd, upstreamEnd, server) = await TwoPairsAsync();
        var healthy = graph.Run(clientEnd, [], upstreamEnd, [], new TunnelTraffic());

        failingServer.LingerState = new LingerOption(true, 0);
        failingServer.Close();
        await Assert.ThrowsAnyAsync<Exception>(() => failing.Completion.WaitAsync(Wait));

        await agent.SendAsync("still here"u8.ToArray(), SocketFlags.None);
        Assert.Equal("still here"u8.ToArray(), await ReadExactlyAsync(server, "still here".Length));
        await server.SendAsync("and back"u8.ToArray(), SocketFlags.None);
        Assert.Equal("and back"u8.ToArray(), await ReadExactlyAsync(agent, "and back".Length));
        Assert.False(healthy.Completion.IsCompleted);
    }

    [Fact]
    public async Task A_tunnel_started_after_its_materializer_shut_down_fails_instead_of_waiting()
    {
        var materializer = ActorMaterializer.Create(Sys);
        var graph = new TunnelGraph(TimeSpan.FromSeconds(30), materializer, SplicePipes, hosts: 1);
        materializer.Shutdown();
        var (_, clientEnd, upstreamEnd, _) = await TwoPairsAsync();

        var tunnel = graph.Run(clientEnd, [], upstreamEnd, [], new TunnelTraffic());

        await Assert.ThrowsAnyAsync<Exception>(() => tunnel.Completion.WaitAsync(Wait));
    }

    [Fact]
    public async Task Silence_in_both_directions_for_the_idle_timeout_ends_the_tunnel_FR_011()
    {
        var (_, clientEnd, upstreamEnd, _) = await TwoPairsAsync();
        var tunnel = Graph(TimeSpan.FromMilliseconds(300)).Run(clientEnd, [], upstreamEnd, [], new TunnelTraffic());

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => tunnel.Completion.WaitAsync(Wait));
        Assert.IsType<TimeoutException>(failure.GetBaseException());
    }

    [Fact]
    public async Task The_idle_timeout_sends_both_peers_a_FIN_before_the_tunnel_ends_FR_011()
    {
        var (agent, clientEnd, upstreamEnd, server) = await TwoPairsAsync();
        var tunnel = Graph(TimeSpan.FromMilliseconds(300)).Run(clientEnd, [], upstreamEnd, [], new TunnelTraffic());

        await Assert.ThrowsAnyAsync<Exception>(() => tunnel.Completion.WaitAsync(Wait));
        // The proxy's ends are still open here: what the peers read is the FIN itself, not a close.
        using var deadline = new CancellationTokenSource(Wait);
        Assert.Equal(0, await agent.ReceiveAsync(new byte[1], SocketFlags.None, deadline.Token));
        Assert.Equal(0, await server.ReceiveAsync(new byte[1], SocketFlags.None, deadline.Token));
    }

    [Fact]
    public async Task A_socket_error_on_one_side_fails_the_tunnel()
    {
        var (_, clientEnd, upstreamEnd, server) = await TwoPairsAsync();
        var tunnel = Graph().Run(clientEnd, [], upstreamEnd, [], new TunnelTraffic());

        server.LingerState = new LingerOption(true, 0);
        server.Close();

        await Assert.ThrowsAnyAsync<Exception>(() => tunnel.Completion.WaitAsync(Wait));
    }

    public new void Dispose()
    {
        foreach (var socket in _sockets) socket.Dispose();
        _listener.Dispose();
        base.Dispose();
    }
}

/// <summary>The tunnel behaviours with splice off: bytes pass through pooled buffers.</summary>
public sealed class CopyingTunnelGraphSpecs : TunnelGraphSpecs
{
    protected override int SplicePipes => 0;
}
