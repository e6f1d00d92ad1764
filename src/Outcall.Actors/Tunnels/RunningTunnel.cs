using Akka.Streams;
using Outcall.Proxy;

namespace Outcall.Tunnels;

/// <summary>
/// A tunnel that runs, or is about to: its graph starts on a tunnel host's thread, so an abort asked for
/// before then is kept and applied as it starts. <see cref="Completion"/> ends when both directions ended
/// cleanly and fails as soon as either fails, so the owner can close both sockets at once.
/// </summary>
public sealed class RunningTunnel
{
    private readonly TunnelEnds _ends;
    private readonly object _gate = new();
    private UniqueKillSwitch? _killSwitch;
    private Exception? _abortedEarly;

    internal RunningTunnel(TunnelEnds ends)
    {
        _ends = ends;
        Completion = BothOrFirstFailure(ends);
    }

    public Task Completion { get; }

    /// <summary>Ends both directions at once with <paramref name="cause"/> (the sockets are the owner's to close).</summary>
    public void Abort(Exception cause)
    {
        UniqueKillSwitch? killSwitch;
        lock (_gate)
        {
            killSwitch = _killSwitch;
            if (killSwitch is null) _abortedEarly ??= cause;
        }
        killSwitch?.Abort(cause);
    }

    internal void Started(UniqueKillSwitch killSwitch)
    {
        Exception? abortedEarly;
        lock (_gate)
        {
            _killSwitch = killSwitch;
            abortedEarly = _abortedEarly;
        }
        if (abortedEarly is not null) killSwitch.Abort(abortedEarly);
    }

    /// <summary>The graph could not start: both directions fail with <paramref name="cause"/>.</summary>
    internal void FailedToStart(Exception cause)
    {
        _ends.UpstreamWritten.TrySetException(cause);
        _ends.ClientWritten.TrySetException(cause);
    }

    private static async Task BothOrFirstFailure(TunnelEnds ends)
    {
        Task up = ends.UpstreamWritten.Task, down = ends.ClientWritten.Task;
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
            SocketClosing.SendFin(ends.SocketOf(TunnelSide.Client));
            SocketClosing.SendFin(ends.SocketOf(TunnelSide.Upstream));
            throw;
        }
    }
}
