using System.Net.Sockets;
using Akka.Streams;
using Akka.Streams.Dsl;
using Outcall.Proxy;

namespace Outcall.Tunnels;

/// <summary>A tunnel that runs: abort it with <see cref="KillSwitch"/>; <see cref="Completion"/> ends with it.</summary>
public sealed record RunningTunnel(UniqueKillSwitch KillSwitch, Task Completion);

/// <summary>
/// The byte pipe behind CONNECT and Upgrade (FR-017): two socket sources feeding two socket sinks
/// through a kill switch (drain and abort) and one bidirectional idle timeout (FR-011: silence in both
/// directions ends it, with a FIN to both peers). Bytes already read from either side go first, unchanged.
/// The graph is built and fused once per idle timeout and materialized per tunnel with that tunnel's
/// sockets as an attribute: building and fusing a graph cost about half of a tunnel's set-up CPU when
/// done per tunnel (docs/PERFORMANCE.md). On Linux, with splice pipes budgeted, bytes pass socket to
/// socket through a kernel pipe (splice(2)) instead of through the process.
/// </summary>
public sealed class TunnelGraph
{
    public const int ReadSize = 64 * 1024;

    private readonly IGraph<ClosedShape, (UniqueKillSwitch, Task, Task)> _fused;
    private readonly IMaterializer _materializer;

    /// <summary>Null when tunnels copy.</summary>
    internal SplicePipes? Pipes { get; }

    /// <summary>The descriptors the splice pipes may hold at most, which connections must leave free.</summary>
    public int SpliceDescriptors => 2 * (Pipes?.Budget ?? 0);

    /// <param name="splicePipes">Pipes for spliced tunnels open at most at once; 0 (or a system without splice): every tunnel copies.</param>
    public TunnelGraph(TimeSpan idleTimeout, IMaterializer materializer, int splicePipes)
    {
        _materializer = materializer;
        Pipes = splicePipes > 0 && Splice.Supported ? new SplicePipes(splicePipes) : null;
        _fused = Fusing.Aggressive(Build(idleTimeout));
    }

    /// <summary>
    /// Starts carrying bytes between the two sockets. Completion ends when both directions ended cleanly
    /// and fails as soon as either fails, so the owner can close both sockets at once.
    /// </summary>
    public RunningTunnel Run(Socket client, byte[] clientPrefix, Socket upstream, byte[] upstreamPrefix, TunnelTraffic traffic)
    {
        var ends = new TunnelEnds(client, clientPrefix, upstream, upstreamPrefix, traffic, Pipes);
        var (killSwitch, up, down) = _materializer.Materialize(_fused.AddAttributes(new Attributes(ends)));
        return new RunningTunnel(killSwitch, BothOrFirstFailure(up, down, client, upstream));
    }

    private static IGraph<ClosedShape, (UniqueKillSwitch, Task, Task)> Build(TimeSpan idleTimeout) =>
        GraphDsl.Create(KillSwitches.SingleBidi<TunnelChunk, TunnelChunk>(), new SocketSink(TunnelSide.Upstream), new SocketSink(TunnelSide.Client),
            (killSwitch, up, down) => (killSwitch, up, down),
            (builder, killSwitch, toUpstream, toClient) =>
            {
                var idle = builder.Add(BidiFlow.BidirectionalIdleTimeout<TunnelChunk, TunnelChunk>(idleTimeout));
                var fromClient = builder.Add(new SocketSource(TunnelSide.Client, ReadSize));
                var fromUpstream = builder.Add(new SocketSource(TunnelSide.Upstream, ReadSize));
                builder.From(fromClient).To(killSwitch.Inlet1);
                builder.From(killSwitch.Outlet1).To(idle.Inlet1);
                builder.From(idle.Outlet1).To(toUpstream);
                builder.From(fromUpstream).To(killSwitch.Inlet2);
                builder.From(killSwitch.Outlet2).To(idle.Inlet2);
                builder.From(idle.Outlet2).To(toClient);
                return ClosedShape.Instance;
            });

    private static async Task BothOrFirstFailure(Task up, Task down, Socket client, Socket upstream)
    {
        try
        {
            var first = await Task.WhenAny(up, down).ConfigureAwait(false);
            await first.ConfigureAwait(false);
            await (first == up ? down : up).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The idle timeout is an orderly end (FR-011): both peers get a FIN before the owner closes the sockets
            // (whose sources still have a receive pending, which would otherwise turn the close into a reset).
            SocketClosing.SendFin(client);
            SocketClosing.SendFin(upstream);
            throw;
        }
    }
}
