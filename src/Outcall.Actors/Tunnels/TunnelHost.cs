using System.Collections.Concurrent;
using Akka;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Streams.Stage;

namespace Outcall.Tunnels;

/// <summary>
/// A long-lived stream interpreter that runs many tunnels: each tunnel's graph is materialized with
/// this stage's sub-fusing materializer, so it runs as one more graph inside the same interpreter actor
/// (as flatMapMerge runs its substreams) instead of in an actor of its own. Creating, starting and
/// stopping an interpreter actor per tunnel was the largest part of a tunnel's set-up cost left in Akka
/// (docs/PERFORMANCE.md). A tunnel's graph is isolated from the others in the same interpreter: its stages'
/// failures end that graph only.
/// </summary>
internal sealed class TunnelHost : GraphStageWithMaterializedValue<SinkShape<NotUsed>, TunnelHost.Entrance>
{
    private readonly Inlet<NotUsed> _never = new("tunnel-host.in");

    public override SinkShape<NotUsed> Shape => new(_never);

    /// <summary>Starts a host on <paramref name="materializer"/>; it runs until the materializer shuts down.</summary>
    public static Entrance Start(IMaterializer materializer) =>
        Source.Never<NotUsed>().ToMaterialized(new TunnelHost(), Keep.Right).Run(materializer);

    public override ILogicAndMaterializedValue<Entrance> CreateLogicAndMaterializedValue(Attributes inheritedAttributes)
    {
        var entrance = new Entrance();
        return new LogicAndMaterializedValue<Entrance>(new Logic(this, entrance), entrance);
    }

    /// <summary>A tunnel to start: its graph (the tunnel's ends as an attribute) and what to tell its owner.</summary>
    public readonly record struct Arrival(IGraph<ClosedShape, UniqueKillSwitch> Graph, RunningTunnel Tunnel);

    /// <summary>
    /// Where tunnels enter the host, from any thread. Arrivals wait in a queue until the host's interpreter
    /// has started; after that each arrival wakes it with one asynchronous callback.
    /// </summary>
    public sealed class Entrance
    {
        private readonly ConcurrentQueue<Arrival> _waiting = new();
        private volatile Action? _wake;
        private volatile bool _closed;

        public void Enter(Arrival arrival)
        {
            _waiting.Enqueue(arrival);
            // Checked after the enqueue: either the host's PostStop drains this arrival, or we see it closed and do.
            if (_closed) FailWaiting(new InvalidOperationException("the tunnel host has stopped"));
            else _wake?.Invoke();
        }

        internal void Close(Exception cause)
        {
            _closed = true;
            FailWaiting(cause);
        }

        private void FailWaiting(Exception cause)
        {
            while (_waiting.TryDequeue(out var arrival)) arrival.Tunnel.FailedToStart(cause);
        }

        internal void Open(Action wake)
        {
            _wake = wake;
            wake();
        }

        internal bool TryTake(out Arrival arrival) => _waiting.TryDequeue(out arrival);
    }

    private sealed class Logic : InGraphStageLogic
    {
        private readonly Entrance _entrance;

        public Logic(TunnelHost stage, Entrance entrance) : base(stage.Shape)
        {
            _entrance = entrance;
            SetHandler(stage._never, this);
        }

        public override void PreStart() => _entrance.Open(GetAsyncCallback(StartArrivals));

        // Never pushed: the host's input is Source.Never, which keeps the interpreter alive.
        public override void OnPush() { }

        public override void OnUpstreamFinish() { }

        private void StartArrivals()
        {
            while (_entrance.TryTake(out var arrival))
            {
                try
                {
                    arrival.Tunnel.Started(SubFusingMaterializer.Materialize(arrival.Graph));
                }
                catch (Exception e)
                {
                    // A graph that cannot start fails its own tunnel, never the host and the tunnels it runs.
                    arrival.Tunnel.FailedToStart(e);
                }
            }
        }

        public override void PostStop() => _entrance.Close(new AbruptStageTerminationException(this));
    }
}
