using System.Net.Sockets;
using Akka.Streams;
using Akka.Streams.Stage;

namespace Outcall.Tunnels;

/// <summary>
/// Writes chunks to a connected socket, one write in flight, pulling the next only when the kernel
/// took the last. When its input completes it shuts down the socket's sending side (a FIN) so the
/// peer sees the half-close while the other direction keeps flowing (EC-004/EC-005). The
/// materialized task completes when this direction is done, or fails with the cause.
/// </summary>
internal sealed class SocketSink(Socket socket, Action<int> onWritten) : GraphStageWithMaterializedValue<SinkShape<ReadOnlyMemory<byte>>, Task>
{
    private readonly Socket _socket = socket;
    private readonly Action<int> _onWrittenBytes = onWritten;
    private readonly Inlet<ReadOnlyMemory<byte>> _in = new("socket.in");

    public override SinkShape<ReadOnlyMemory<byte>> Shape => new(_in);

    public override ILogicAndMaterializedValue<Task> CreateLogicAndMaterializedValue(Attributes inheritedAttributes)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return new LogicAndMaterializedValue<Task>(new Logic(this, done), done.Task);
    }

    private sealed class Logic : InGraphStageLogic
    {
        private readonly SocketSink _stage;
        private readonly TaskCompletionSource _done;
        private readonly Action<Task<int>> _onWritten;
        private bool _writing;
        private bool _finishing;
        private int _pending;

        public Logic(SocketSink stage, TaskCompletionSource done) : base(stage.Shape)
        {
            _stage = stage;
            _done = done;
            _onWritten = GetAsyncCallback<Task<int>>(Written);
            SetHandler(stage._in, this);
        }

        public override void PreStart() => Pull(_stage._in);

        public override void OnPush()
        {
            var chunk = Grab(_stage._in);
            _pending = chunk.Length;
            _writing = true;
            Task<int> write;
            try
            {
                write = _stage._socket.SendAsync(chunk, SocketFlags.None).AsTask();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                Fail(e);
                return;
            }
            if (write.IsCompleted) Written(write);
            else write.ContinueWith(_onWritten, TaskContinuationOptions.ExecuteSynchronously);
        }

        public override void OnUpstreamFinish()
        {
            _finishing = true;
            if (!_writing) Finish();
        }

        public override void OnUpstreamFailure(Exception e) => Fail(e);

        public override void PostStop() => _done.TrySetException(new AbruptStageTerminationException(this));

        private void Written(Task<int> write)
        {
            _writing = false;
            if (!write.IsCompletedSuccessfully || write.Result != _pending)
            {
                Fail(write.Exception?.GetBaseException() ?? new IOException("short write"));
                return;
            }
            _stage._onWrittenBytes(_pending);
            if (_finishing) Finish();
            else Pull(_stage._in);
        }

        private void Finish()
        {
            try
            {
                _stage._socket.Shutdown(SocketShutdown.Send);
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
