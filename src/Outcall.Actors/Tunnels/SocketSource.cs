using System.Buffers;
using System.Net.Sockets;
using Akka.Streams;
using Akka.Streams.Stage;

namespace Outcall.Tunnels;

/// <summary>
/// Reads a connected socket as a stream of chunks, one receive per pull, so a slow consumer leaves
/// the bytes in the kernel and the TCP window pushes back (no unbounded buffering). Bytes already
/// read elsewhere (the prefix) go first. A clean EOF completes the stage; a socket error fails it.
/// Buffers come from the shared pool and travel with the chunk to the sink, which returns them.
/// After a short read (the socket is likely drained) it first waits for readability with a
/// zero-byte receive and rents only then, so an idle tunnel holds no buffer. On a spliced tunnel the
/// bytes go from the socket into a pipe from the pool instead (no copy into the process); with no pipe
/// free, or a socket still blocking, this read takes a buffer as above.
/// The socket and prefix of each run come from its <see cref="TunnelEnds"/> attribute.
/// </summary>
internal sealed class SocketSource(TunnelSide side, int readSize) : GraphStage<SourceShape<TunnelChunk>>
{
    private readonly TunnelSide _side = side;
    private readonly int _readSize = readSize;
    private readonly Outlet<TunnelChunk> _out = new("socket.out");

    public override SourceShape<TunnelChunk> Shape => new(_out);

    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes)
    {
        var ends = TunnelEnds.Of(inheritedAttributes);
        return new Logic(this, ends.SocketOf(_side), ends.PrefixOf(_side), ends.Pipes);
    }

    private sealed class Logic : OutGraphStageLogic
    {
        private readonly SocketSource _stage;
        private readonly Socket _socket;
        private readonly byte[] _prefix;
        private readonly SplicePipes? _pipes;
        private readonly Action<Task<int>> _onReadable;
        private readonly Action<(Task<int> Read, byte[] Buffer)> _onRead;
        private bool _prefixSent;
        private bool _expectMore;
        private bool _nonBlocking;

        public Logic(SocketSource stage, Socket socket, byte[] prefix, SplicePipes? pipes) : base(stage.Shape)
        {
            _stage = stage;
            _socket = socket;
            _prefix = prefix;
            _pipes = pipes;
            _prefixSent = prefix.Length == 0;
            _onReadable = GetAsyncCallback<Task<int>>(Readable);
            _onRead = GetAsyncCallback<(Task<int> Read, byte[] Buffer)>(r => Completed(r.Read, r.Buffer));
            SetHandler(stage._out, this);
        }

        public override void OnPull()
        {
            if (!_prefixSent)
            {
                _prefixSent = true;
                Push(_stage._out, new TunnelChunk(_prefix, _prefix.Length, Pooled: false));
            }
            else if (_expectMore) Read();
            else WaitUntilReadable();
        }

        public override void OnDownstreamFinish(Exception cause) => CompleteStage();

        private void WaitUntilReadable()
        {
            ValueTask<int> wait;
            try
            {
                wait = _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                FailStage(e);
                return;
            }
            if (wait.IsCompletedSuccessfully) Read();
            else wait.AsTask().ContinueWith(_onReadable, TaskContinuationOptions.ExecuteSynchronously);
        }

        private void Readable(Task<int> wait)
        {
            if (wait.IsCompletedSuccessfully) Read();
            else FailStage(wait.Exception?.GetBaseException() ?? new OperationCanceledException());
        }

        private void Read()
        {
            if (_pipes is not null && CanSplice() && _pipes.TryRent(out var pipe))
            {
                SpliceIn(pipe);
                return;
            }
            var buffer = ArrayPool<byte>.Shared.Rent(_stage._readSize);
            ValueTask<int> read;
            try
            {
                read = _socket.ReceiveAsync(buffer.AsMemory(0, _stage._readSize), SocketFlags.None);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                FailStage(e);
                return;
            }
            if (read.IsCompletedSuccessfully) Deliver(read.Result, buffer);
            else read.AsTask().ContinueWith(t => _onRead((t, buffer)), TaskContinuationOptions.ExecuteSynchronously);
        }

        /// <summary>Splice only a socket the runtime made non-blocking (its first async receive does): a blocking one would hold the stream.</summary>
        private bool CanSplice() => _nonBlocking || (_nonBlocking = Splice.IsNonBlocking(_socket.SafeHandle));

        private void SpliceIn(SplicePipe pipe)
        {
            long moved;
            int errno;
            try
            {
                moved = Splice.FromSocket(_socket.SafeHandle, pipe.WriteEnd, _stage._readSize, out errno);
            }
            catch (ObjectDisposedException e)
            {
                pipe.Recycle();
                FailStage(e);
                return;
            }
            if (moved > 0)
            {
                _expectMore = moved == _stage._readSize;
                Push(_stage._out, TunnelChunk.InPipe(pipe, (int)moved));
                return;
            }
            // Nothing went in: the pipe is still empty.
            pipe.Recycle();
            if (moved == 0) CompleteStage();
            else if (errno == Splice.Again)
            {
                _expectMore = false;
                WaitUntilReadable();
            }
            else FailStage(Splice.Failure(errno));
        }

        private void Completed(Task<int> read, byte[] buffer)
        {
            if (read.IsCompletedSuccessfully) Deliver(read.Result, buffer);
            else FailStage(read.Exception?.GetBaseException() ?? new OperationCanceledException());
        }

        private void Deliver(int count, byte[] buffer)
        {
            if (count == 0)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                CompleteStage();
                return;
            }
            _expectMore = count == _stage._readSize;
            Push(_stage._out, new TunnelChunk(buffer, count, Pooled: true));
        }
    }
}
