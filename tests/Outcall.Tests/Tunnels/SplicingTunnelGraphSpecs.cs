using System.Net.Sockets;
using Akka.Streams;
using Outcall.Tunnels;

namespace Outcall.Tests.Tunnels;

/// <summary>
/// The tunnel behaviours with splice on (every base spec runs here too), and what splicing adds: bytes pass
/// through kernel pipes from a bounded pool, a pipe is held only while bytes are in it, and a socket that
/// will not take a whole pipe at once still gets every byte in order.
/// </summary>
public sealed class SplicingTunnelGraphSpecs : TunnelGraphSpecs
{
    protected override int SplicePipes => 8;

    private static byte[] Payload(int length, int seed)
    {
        var payload = new byte[length];
        new Random(seed).NextBytes(payload);
        return payload;
    }

    private static SplicePipes PipesOf(TunnelGraph graph) =>
        graph.Pipes ?? throw new Xunit.Sdk.XunitException("splice is not available on this system");

    [Fact]
    public async Task Bytes_pass_from_socket_to_socket_through_a_kernel_pipe()
    {
        var (agent, clientEnd, upstreamEnd, server) = await TwoPairsAsync();
        var graph = Graph();
        graph.Run(clientEnd, [], upstreamEnd, [], new TunnelTraffic());
        var payload = Payload(2 * TunnelGraph.ReadSize, 11);

        var atServer = ReadExactlyAsync(server, payload.Length);
        await agent.SendAsync(payload, SocketFlags.None);

        Assert.Equal(payload, await atServer);
        Assert.InRange(PipesOf(graph).Open, 1, SplicePipes);
    }

    [Fact]
    public async Task A_quiet_tunnel_holds_no_pipe()
    {
        var (agent, clientEnd, upstreamEnd, server) = await TwoPairsAsync();
        var graph = Graph();
        graph.Run(clientEnd, [], upstreamEnd, [], new TunnelTraffic());
        var atServer = ReadExactlyAsync(server, 5000);
        await agent.SendAsync(Payload(5000, 12), SocketFlags.None);
        await atServer;
        var atAgent = ReadExactlyAsync(agent, 5000);
        await server.SendAsync(Payload(5000, 13), SocketFlags.None);
        await atAgent;

        var pipes = PipesOf(graph);
        AwaitAssert(() => Assert.Equal(pipes.Open, pipes.Free), Wait);
    }

    [Fact]
    public async Task A_receiver_slower_than_the_sender_gets_every_byte_in_order_and_counted()
    {
        var (agent, clientEnd, upstreamEnd, server) = await TwoPairsAsync();
        // A send buffer far smaller than a pipe's 64 KiB: most splices to the upstream end move only part of a chunk.
        upstreamEnd.SendBufferSize = 4096;
        var traffic = new TunnelTraffic();
        Graph().Run(clientEnd, [], upstreamEnd, [], traffic);
        var payload = Payload(1024 * 1024, 14);

        var sending = agent.SendAsync(payload, SocketFlags.None);
        var received = new byte[payload.Length];
        using var deadline = new CancellationTokenSource(Wait);
        for (var read = 0; read < received.Length;)
            read += await server.ReceiveAsync(received.AsMemory(read, Math.Min(1500, received.Length - read)), SocketFlags.None, deadline.Token);
        await sending;

        Assert.True(received.AsSpan().SequenceEqual(payload));
        Assert.Equal(payload.Length, traffic.BytesUp);
    }

    [Fact]
    public async Task Tunnels_beyond_the_pipe_budget_copy_instead_of_waiting_for_a_pipe()
    {
        var graph = new TunnelGraph(TimeSpan.FromSeconds(30), Sys.Materializer(), splicePipes: 1);
        var runs = new List<(Socket Agent, Socket Server, byte[] Payload)>();
        for (var i = 0; i < 4; i++)
        {
            var (agent, clientEnd, upstreamEnd, server) = await TwoPairsAsync();
            graph.Run(clientEnd, [], upstreamEnd, [], new TunnelTraffic());
            runs.Add((agent, server, Payload(1024 * 1024, 20 + i)));
        }

        var arriving = runs.Select(r => ReadExactlyAsync(r.Server, r.Payload.Length)).ToList();
        await Task.WhenAll(runs.Select(r => r.Agent.SendAsync(r.Payload, SocketFlags.None)));

        for (var i = 0; i < runs.Count; i++) Assert.Equal(runs[i].Payload, await arriving[i]);
        Assert.InRange(PipesOf(graph).Open, 0, 1);
    }

    [Fact]
    public async Task A_peer_reset_in_mid_stream_fails_the_tunnel_and_leaves_no_pipe_behind()
    {
        var (agent, clientEnd, upstreamEnd, server) = await TwoPairsAsync();
        var graph = Graph();
        var tunnel = graph.Run(clientEnd, [], upstreamEnd, [], new TunnelTraffic());
        _ = agent.SendAsync(Payload(8 * 1024 * 1024, 15), SocketFlags.None);
        await ReadExactlyAsync(server, TunnelGraph.ReadSize);

        server.LingerState = new LingerOption(true, 0);
        server.Close();

        await Assert.ThrowsAnyAsync<Exception>(() => tunnel.Completion.WaitAsync(Wait));
        var pipes = PipesOf(graph);
        AwaitAssert(() => Assert.Equal(pipes.Open, pipes.Free), Wait);
    }
}
