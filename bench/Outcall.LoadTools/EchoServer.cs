using System.Net;
using System.Net.Sockets;

namespace Outcall.LoadTools;

/// <summary>A tiny echo server on 127.0.0.1, the far end of every tunnel the tools open.</summary>
internal sealed class EchoServer : IAsyncDisposable
{
    private readonly LoopbackListener _listener = new(4096, EchoAsync);

    public IPEndPoint EndPoint => _listener.EndPoint;

    private static async Task EchoAsync(Socket connection, CancellationToken stop)
    {
        using var _ = connection;
        var buffer = new byte[256];
        try
        {
            while (true)
            {
                var read = await connection.ReceiveAsync(buffer, SocketFlags.None, stop).ConfigureAwait(false);
                if (read == 0) break;
                await connection.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, stop).ConfigureAwait(false);
            }
            connection.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The client went away or we are stopping: this connection is done either way.
        }
    }

    public ValueTask DisposeAsync() => _listener.DisposeAsync();
}
