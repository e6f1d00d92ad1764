using System.Net.Sockets;
using Outcall.Proxy;
using Outcall.Tunnels;

namespace Outcall.Intercept;

/// <summary>
/// The bytes after a 101 inside an intercepted tunnel (a WebSocket, S011-EC-007): copied both ways between the
/// two decrypted sessions, uninspected, bytes already read going first. One side's end is passed on as a TLS
/// close_notify; silence both ways for the idle timeout ends it, as it does a plain tunnel (FR-011).
/// </summary>
internal static class SessionRelay
{
    private const int BlockBytes = 16 * 1024;

    public static async Task RunAsync(ByteChannel client, byte[] clientPrefix, ByteChannel upstream, byte[] upstreamPrefix,
        TimeSpan idleTimeout, TunnelTraffic traffic, CancellationToken cancellationToken)
    {
        using var idle = new IdleDeadline(idleTimeout, cancellationToken);
        var up = CopyAsync(client, clientPrefix, upstream, traffic.AddUp, idle);
        var down = CopyAsync(upstream, upstreamPrefix, client, traffic.AddDown, idle);
        try
        {
            await Task.WhenAll(up, down).ConfigureAwait(false);
        }
        finally
        {
            idle.Cancel();
        }
    }

    private static async Task CopyAsync(ByteChannel from, byte[] prefix, ByteChannel to, Action<int> count, IdleDeadline idle)
    {
        try
        {
            if (prefix.Length > 0)
            {
                await to.SendAsync(prefix, idle.Token).ConfigureAwait(false);
                count(prefix.Length);
            }
            var block = new byte[BlockBytes];
            while (true)
            {
                var read = await from.ReceiveAsync(block, idle.Token).ConfigureAwait(false);
                if (read == 0) break;
                await to.SendAsync(block.AsMemory(0, read), idle.Progress()).ConfigureAwait(false);
                count(read);
            }
            await to.CloseOutputAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // One side broke: the other direction has nothing left to say either.
            idle.Cancel();
            throw;
        }
    }
}
