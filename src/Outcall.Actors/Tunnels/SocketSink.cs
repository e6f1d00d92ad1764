using System.Buffers;
using System.Net.Sockets;
using Akka.Streams;
using Akka.Streams.Stage;

namespace Outcall.Tunnels;

/// <summary>
/// Writes chunks to a connected socket, one write in flight, pulling the next only when the kernel
/// took the last, and gives each pooled buffer back once written. When its input completes it shuts
/// down the socket's sending side (a FIN) so the peer sees the half-close while the other direction
/// keeps flowing (EC-004/EC-005). Bytes that wait in a splice pipe go from the pipe to the socket in
/// the kernel. Its <see cref="TunnelEnds.WrittenTo"/> task completes when this direction is done, or
/// fails with the cause. The socket of each run comes from its <see cref="TunnelEnds"/> attribute.
/// </summary>
internal sealed class SocketSink(TunnelSide side) : GraphStage<SinkShape<TunnelChunk>>
{
    private readonly TunnelSide _side = side;
    private readonly Inlet<TunnelChunk> _in = new("socket.in");

    public override SinkShape<TunnelChunk> Shape => new(_in);

    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) => new Logic(this, TunnelEnds.Of(inheritedAttributes));

    private sealed class Logic : InGraphStageLogic
    {
        private readonly SocketSink _stage;
        private readonly Socket _socket;
        private readonly TunnelEnds _ends;
        private readonly TaskCompletionSource _done;
        private readonly Action<Task<int>> _onWritten;
        private TunnelChunk _chunk;
        private bool _writing;
        private bool _finishing;
        private bool _nonBlocking;

        public Logic(SocketSink stage, TunnelEnds ends) : base(stage.Shape)
        {
            _stage = stage;
            _socket = ends.SocketOf(stage._side);
            _ends = ends;
            _done = ends.WrittenTo(stage._side);
            _onWritten = GetAsyncCallback<Task<int>>(WrittenLater);
            SetHandler(stage._in, this);
        }

        public override void PreStart() => Pull(_stage._in);

        public override void OnPush()
        {
            _chunk = Grab(_stage._in);
            _writing = true;
            if (_chunk.Pipe is { } pipe) SpliceOut(pipe);
            else Send();
        }

        private void Send()
        {
            ValueTask<int> write;
            try
            {
                write = _socket.SendAsync(_chunk.Memory, SocketFlags.None);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                Fail(e);
                return;
            }
            if (!write.IsCompleted)
            {
                write.AsTask().ContinueWith(_onWritten, TaskContinuationOptions.ExecuteSynchronously);
                return;
            }
            // Most loopback writes fit the socket buffer at once: no Task, no callback hop.
            int sent;
            try
            {
                sent = write.GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                Fail(e);
                return;
            }
            Written(sent);
        }

        /// <summary>
        /// Bytes waiting in a pipe go to the socket inside the kernel. What the socket does not take at once
        /// (its send buffer is full) is copied out of the pipe and sent as a buffer, whose send waits for room:
        /// there is no portable wait for writability, and the pipe is free for the next chunk the sooner.
        /// </summary>
        private void SpliceOut(SplicePipe pipe)
        {
            var length = _chunk.Length;
            long moved;
            int errno;
            try
            {
                moved = _nonBlocking || (_nonBlocking = Splice.IsNonBlocking(_socket.SafeHandle))
                    ? Splice.ToSocket(pipe.ReadEnd, _socket.SafeHandle, length, out errno)
                    : Splice.NotTried(out errno);
            }
            catch (ObjectDisposedException e)
            {
                pipe.Dispose();
                Fail(e);
                return;
            }
            if (moved == length)
            {
                pipe.Recycle();
                Written(length);
                return;
            }
            if (moved < 0 && errno != Splice.Again)
            {
                pipe.Dispose();
                Fail(Splice.Failure(errno));
                return;
            }
            var spliced = (int)Math.Max(moved, 0);
            _ends.AddWritten(_stage._side, spliced);
            var rest = length - spliced;
            var buffer = ArrayPool<byte>.Shared.Rent(rest);
            var copied = Splice.ReadPipe(pipe.ReadEnd, buffer, rest, out errno);
            if (copied != rest)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                pipe.Dispose();
                Fail(copied < 0 ? Splice.Failure(errno) : new IOException("short read from a splice pipe"));
                return;
            }
            pipe.Recycle();
            _chunk = new TunnelChunk(buffer, rest, Pooled: true);
            Send();
        }

        public override void OnUpstreamFinish()
        {
            _finishing = true;
            if (!_writing) Finish();
        }

        public override void OnUpstreamFailure(Exception e) => Fail(e);

        public override void PostStop()
        {
            // Checked first: the exception's message names the stage, which costs a string per tunnel for nothing.
            if (!_done.Task.IsCompleted) _done.TrySetException(new AbruptStageTerminationException(this));
        }

        private void WrittenLater(Task<int> write)
        {
            if (write.IsCompletedSuccessfully) Written(write.Result);
            else Fail(write.Exception?.GetBaseException() ?? new OperationCanceledException());
        }

        private void Written(int sent)
        {
            _writing = false;
            var expected = _chunk.Length;
            // The kernel is done with the bytes: the buffer can go back to the pool.
            _chunk.Release();
            _chunk = default;
            if (sent != expected)
            {
                Fail(new IOException("short write"));
                return;
            }
            _ends.AddWritten(_stage._side, expected);
            if (_finishing) Finish();
            else Pull(_stage._in);
        }

        private void Finish()
        {
            try
            {
                _socket.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // The peer is gone already; this direction is over either way.
            }
            _done.TrySetResult();
            CompleteStage();
        }

        private void Fail(Exception e)
        {
            _done.TrySetException(e);
            FailStage(e);
        }
    }
}
