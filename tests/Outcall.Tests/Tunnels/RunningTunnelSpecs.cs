using System.Net.Sockets;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.TestKit.Xunit2;
using Outcall.Tunnels;

namespace Outcall.Tests.Tunnels;

/// <summary>
/// A tunnel's control before and after its graph starts on a tunnel host: the owner may abort it at any time,
/// including before the host got to it (a client that closes right after its 200).
/// </summary>
public sealed class RunningTunnelSpecs : TestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly Socket _client = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly Socket _upstream = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    /// <summary>A tunnel no host has started yet (its sockets are never connected: no graph touches them).</summary>
    private RunningTunnel NotStarted() => new(new TunnelEnds(_client, [], _upstream, [], new TunnelTraffic(), pipes: null));

    [Fact]
    public async Task An_abort_asked_for_before_the_graph_starts_ends_the_graph_as_it_starts()
    {
        var tunnel = NotStarted();

        tunnel.Abort(new OperationCanceledException("connection closed"));
        var (killSwitch, graphDone) = Source.Never<int>().ViaMaterialized(KillSwitches.Single<int>(), Keep.Right)
            .ToMaterialized(Sink.Ignore<int>(), Keep.Both).Run(Sys.Materializer());
        tunnel.Started(killSwitch);

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => graphDone.WaitAsync(Wait));
        Assert.IsType<OperationCanceledException>(failure.GetBaseException());
    }

    [Fact]
    public async Task A_graph_that_cannot_start_fails_the_tunnels_completion()
    {
        var tunnel = NotStarted();

        tunnel.FailedToStart(new InvalidOperationException("no interpreter"));

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => tunnel.Completion.WaitAsync(Wait));
        Assert.IsType<InvalidOperationException>(failure.GetBaseException());
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _client.Dispose();
            _upstream.Dispose();
        }
        base.Dispose(disposing);
    }
}
