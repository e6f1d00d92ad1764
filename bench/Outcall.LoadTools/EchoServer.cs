using System.Net.Sockets;

namespace Outcall.LoadTools;

/// <summary>A tiny echo server on 127.0.0.1, the far end of every tunnel the tools open.</summary>
internal static class EchoServer
{
    public static LoopbackServer Start() => new(EchoAsync);

    private static async Task EchoAsync(Socket connection, CancellationToken cancellationToken)
    {
        var buffer = new byte[256];
        while (true)
        {
            var read = await connection.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (read == 0) break;
            await connection.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }
        connection.Shutdown(SocketShutdown.Send);
    }
}
