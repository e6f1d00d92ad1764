using System.Net.Sockets;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace Outcall.Tunnels;

/// <summary>
/// The byte pipe behind CONNECT and Upgrade (FR-017): two socket sources feeding two socket sinks
/// through a kill switch (drain and abort) and one bidirectional idle timeout (FR-011: silence in both
/// directions ends it, with a FIN to both peers). Bytes already read from either side go first, unchanged.
/// The graph is built and fused once per idle timeout and materialized per tunnel with that tunnel's
/// sockets as an attribute: building and fusing a graph cost about half of a tunnel's set-up CPU when
/// done per tunnel (docs/PERFORMANCE.md). Each tunnel runs inside one of a few long-lived
/// <see cref="TunnelHost"/> interpreters, taken in turn, rather than in an interpreter actor of its own.
/// On Linux, with splice pipes budgeted, bytes pass socket to socket through a kernel pipe (splice(2))
/// instead of through the process.
/// </summary>
public sealed class TunnelGraph
{
    public const int ReadSize = 64 * 1024;

    private readonly IGraph<ClosedShape, UniqueKillSwitch> _fused;
    private readonly TunnelHost.Entrance[] _hosts;
    private int _nextHost;

    /// <summary>Null when tunnels copy.</summary>
    internal SplicePipes? Pipes { get; }

    /// <summary>The descriptors the splice pipes may hold at most, which connections must leave free.</summary>
    public int SpliceDescriptors => 2 * (Pipes?.Budget ?? 0);

    /// <param name="materializer">Runs the tunnel hosts, which live until it shuts down.</param>
    /// <param name="splicePipes">Pipes for spliced tunnels open at most at once; 0 (or a system without splice): every tunnel copies.</param>
    /// <param name="hosts">Interpreters the tunnels are spread over; two per core when null, so every core has one to run
    /// and one busy tunnel delays the others of its host less.</param>
    public TunnelGraph(TimeSpan idleTimeout, IMaterializer materializer, int splicePipes, int? hosts = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hosts ?? 1, 1, nameof(hosts));
        Pipes = splicePipes > 0 && Splice.Supported ? new SplicePipes(splicePipes) : null;
        _fused = Fusing.Aggressive(Build(idleTimeout));
        _hosts = Enumerable.Range(0, hosts ?? 2 * Environment.ProcessorCount).Select(_ => TunnelHost.Start(materializer)).ToArray();
    }

    /// <summary>
    /// Starts carrying bytes between the two sockets. Completion ends when both directions ended cleanly
    /// and fails as soon as either fails, so the owner can close both sockets at once.
    /// </summary>
    public RunningTunnel Run(Socket client, byte[] clientPrefix, Socket upstream, byte[] upstreamPrefix, TunnelTraffic traffic)
    {
        var ends = new TunnelEnds(client, clientPrefix, upstream, upstreamPrefix, traffic, Pipes);
        var tunnel = new RunningTunnel(ends);
        var host = _hosts[(int)((uint)Interlocked.Increment(ref _nextHost) % _hosts.Length)];
        host.Enter(new TunnelHost.Arrival(_fused.AddAttributes(new Attributes(ends)), tunnel));
        return tunnel;
    }

    private static IGraph<ClosedShape, UniqueKillSwitch> Build(TimeSpan idleTimeout) =>
        GraphDsl.Create(KillSwitches.SingleBidi<TunnelChunk, TunnelChunk>(),
            (builder, killSwitch) =>
            {
                var toUpstream = builder.Add(new SocketSink(TunnelSide.Upstream));
                var toClient = builder.Add(new SocketSink(TunnelSide.Client));
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
}
