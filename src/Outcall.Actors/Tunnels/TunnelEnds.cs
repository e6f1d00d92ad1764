using System.Net.Sockets;
using Akka.Streams;

namespace Outcall.Tunnels;

/// <summary>Which socket of a tunnel a stage reads or writes.</summary>
internal enum TunnelSide
{
    Client,
    Upstream,
}

/// <summary>
/// One tunnel's two connected sockets, the bytes already read from each (a peeked ClientHello, bytes
/// after a 101), its traffic counters and its splice pipes. The tunnel graph is built and fused once; each run hands its
/// ends to the socket stages as this attribute, which is why the stages take no socket themselves.
/// </summary>
internal sealed class TunnelEnds(Socket client, byte[] clientPrefix, Socket upstream, byte[] upstreamPrefix, TunnelTraffic traffic,
    SplicePipes? pipes) : Attributes.IAttribute
{
    /// <summary>Where spliced bytes wait between the sockets; null: this tunnel copies through buffers.</summary>
    public SplicePipes? Pipes => pipes;

    public Socket SocketOf(TunnelSide side) => side == TunnelSide.Client ? client : upstream;

    public byte[] PrefixOf(TunnelSide side) => side == TunnelSide.Client ? clientPrefix : upstreamPrefix;

    /// <summary>Ends when the bytes written to the upstream are done: completed cleanly or failed with the cause.</summary>
    public TaskCompletionSource UpstreamWritten { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Ends when the bytes written to the client are done.</summary>
    public TaskCompletionSource ClientWritten { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>What the sink writing to <paramref name="side"/> completes when its direction ends.</summary>
    public TaskCompletionSource WrittenTo(TunnelSide side) => side == TunnelSide.Client ? ClientWritten : UpstreamWritten;

    /// <summary>Counts bytes written to a side: written to the upstream is "up", to the client "down".</summary>
    public void AddWritten(TunnelSide side, int count)
    {
        if (side == TunnelSide.Upstream) traffic.AddUp(count);
        else traffic.AddDown(count);
    }

    public static TunnelEnds Of(Attributes attributes) =>
        attributes.GetAttribute<TunnelEnds>()
        ?? throw new InvalidOperationException("The tunnel graph was materialized without its TunnelEnds attribute.");
}
