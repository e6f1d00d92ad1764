using System.Net.Sockets;
using Akka;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace Outcall.Tunnels;

/// <summary>Bytes a tunnel carried, readable while it runs.</summary>
public sealed class TunnelTraffic
{
    private long _up;
    private long _down;
    public long BytesUp => Interlocked.Read(ref _up);
    public long BytesDown => Interlocked.Read(ref _down);
    internal void AddUp(int count) => Interlocked.Add(ref _up, count);
    internal void AddDown(int count) => Interlocked.Add(ref _down, count);
}

/// <summary>
/// The byte pipe behind CONNECT and Upgrade (FR-017): two socket sources feeding two socket sinks
/// through one bidirectional idle timeout (FR-011: silence in both directions ends it) and a kill
/// switch (drain and abort). Bytes already read from either side (a peeked ClientHello, bytes after a
/// 101) go first, unchanged. The task completes when both directions ended cleanly and fails as soon
/// as either fails, so the owner can close both sockets at once.
/// </summary>
public static class Tunnel
{
    public const int ReadSize = 64 * 1024;

    public static Task Run(Socket client, byte[] clientPrefix, Socket upstream, byte[] upstreamPrefix,
        TimeSpan idleTimeout, SharedKillSwitch killSwitch, TunnelTraffic traffic, IMaterializer materializer)
    {
        var toUpstream = new SocketSink(upstream, traffic.AddUp);
        var toClient = new SocketSink(client, traffic.AddDown);
        var graph = RunnableGraph.FromGraph(GraphDsl.Create(toUpstream, toClient, Keep.Both, (builder, upSink, downSink) =>
        {
            var idle = builder.Add(BidiFlow.BidirectionalIdleTimeout<TunnelChunk, TunnelChunk>(idleTimeout));
            var fromClient = builder.Add(Reader(client, clientPrefix).Via(killSwitch.Flow<TunnelChunk>()));
            var fromUpstream = builder.Add(Reader(upstream, upstreamPrefix).Via(killSwitch.Flow<TunnelChunk>()));
            builder.From(fromClient).To(idle.Inlet1);
            builder.From(idle.Outlet1).To(upSink);
            builder.From(fromUpstream).To(idle.Inlet2);
            builder.From(idle.Outlet2).To(downSink);
            return ClosedShape.Instance;
        }));
        var (up, down) = graph.Run(materializer);
        return BothOrFirstFailure(up, down);
    }

    private static Source<TunnelChunk, NotUsed> Reader(Socket socket, byte[] prefix) =>
        Source.FromGraph(new SocketSource(socket, prefix, ReadSize));

    private static async Task BothOrFirstFailure(Task up, Task down)
    {
        var first = await Task.WhenAny(up, down).ConfigureAwait(false);
        await first.ConfigureAwait(false);
        await (first == up ? down : up).ConfigureAwait(false);
    }
}
