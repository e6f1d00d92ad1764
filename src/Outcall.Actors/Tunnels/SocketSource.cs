using System.Net.Sockets;
using Akka.Streams;
using Akka.Streams.Stage;

namespace Outcall.Tunnels;

/// <summary>
/// Reads a connected socket as a stream of chunks, one receive per pull, so a slow consumer leaves
/// the bytes in the kernel and the TCP window pushes back (no unbounded buffering). A clean EOF
/// completes the stage; a socket error fails it.
/// </summary>
internal sealed class SocketSource(Socket socket, int readSize) : GraphStage<SourceShape<ReadOnlyMemory<byte>>>
{
    private readonly Socket _socket = socket;
    private readonly int _readSize = readSize;
    private readonly Outlet<ReadOnlyMemory<byte>> _out = new("socket.out");

    public override SourceShape<ReadOnlyMemory<byte>> Shape => new(_out);

    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) => new Logic(this);

    private sealed class Logic : OutGraphStageLogic
    {
        private readonly SocketSource _stage;
        private readonly byte[] _buffer;
        private readonly Action<Task<int>> _onRead;

        public Logic(SocketSource stage) : base(stage.Shape)
        {
            _stage = stage;
            _buffer = new byte[stage._readSize];
            var callback = GetAsyncCallback<Task<int>>(Completed);
            _onRead = callback;
            SetHandler(stage._out, this);
        }

        public override void OnPull()
        {
            ValueTask<int> read;
            try
            {
                read = _stage._socket.ReceiveAsync(_buffer.AsMemory(), SocketFlags.None);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                FailStage(e);
                return;
            }
            if (read.IsCompletedSuccessfully) Deliver(read.Result);
            else read.AsTask().ContinueWith(_onRead, TaskContinuationOptions.ExecuteSynchronously);
        }

        public override void OnDownstreamFinish(Exception cause) => CompleteStage();

        private void Completed(Task<int> read)
        {
            if (read.IsCompletedSuccessfully) Deliver(read.Result);
            else FailStage(read.Exception?.GetBaseException() ?? new OperationCanceledException());
        }

        private void Deliver(int count)
        {
            if (count == 0) CompleteStage();
            else Push(_stage._out, (ReadOnlyMemory<byte>)_buffer.AsSpan(0, count).ToArray());
        }
    }
}
