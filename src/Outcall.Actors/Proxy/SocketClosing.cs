using System.Net.Sockets;

namespace Outcall.Proxy;

/// <summary>How the proxy ends a client connection after its own final response.</summary>
internal static class SocketClosing
{
    private static readonly TimeSpan LingerTime = TimeSpan.FromSeconds(2);
    private const int LingerMaxBytes = 256 * 1024;

    /// <summary>
    /// Sends a FIN now. It also makes the later close graceful: .NET resets a TCP socket closed with a receive
    /// still pending unless its sending side was shut down first.
    /// </summary>
    public static void SendFin(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already gone: there is nothing left to close gracefully.
        }
    }

    /// <summary>
    /// FIN, then read and discard (bounded in bytes and time) until the client closes too. Closing
    /// with its unread bytes in our receive queue would send a reset that can destroy the response
    /// still in flight.
    /// </summary>
    public static async Task LingerAsync(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Send);
            using var deadline = new CancellationTokenSource(LingerTime);
            var discard = new byte[4096];
            var total = 0;
            while (total < LingerMaxBytes)
            {
                var read = await socket.ReceiveAsync(discard, SocketFlags.None, deadline.Token).ConfigureAwait(false);
                if (read == 0) return;
                total += read;
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Gone or too slow to close: the close that follows ends it either way.
        }
    }
}
