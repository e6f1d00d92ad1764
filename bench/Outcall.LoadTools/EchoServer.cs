using System.Net.Sockets;

namespace Outcall.LoadTools;

/// <summary>A tiny echo server on 127.0.0.1, the far end of every tunnel the tools open.</summary>
internal static class EchoServer
{
<<<<<<< HEAD
    public static LoopbackServer Start() => new(EchoAsync);

    private static async Task EchoAsync(Socket connection, CancellationToken cancellationToken)
    {
=======
    private readonly LoopbackListener _listener = new(4096, EchoAsync);

    public IPEndPoint EndPoint => _listener.EndPoint;

    private static async Task EchoAsync(Socket connection, CancellationToken stop)
    {
        using var _ = connection;
>>>>>>> work/soak
        var buffer = new byte[256];
        while (true)
        {
<<<<<<< HEAD
            var read = await connection.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (read == 0) break;
            await connection.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }
        connection.Shutdown(SocketShutdown.Send);
    }
=======
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
>>>>>>> work/soak
}
