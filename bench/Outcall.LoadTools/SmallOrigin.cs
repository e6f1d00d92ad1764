using System.Net.Sockets;
using System.Text;

namespace Outcall.LoadTools;

/// <summary>
/// A keep-alive HTTP/1.1 origin on 127.0.0.1 that answers every request head with 200 and the same 1 KiB body: the
/// small GETs' far end when no nginx runs. Requests are GETs without bodies, so a head is all it reads.
/// </summary>
internal static class SmallOrigin
{
    private static readonly byte[] Response = Encoding.ASCII.GetBytes(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1024\r\n\r\n" + new string('x', 1024));

    public static LoopbackServer Start() => new(ServeAsync);

    private static async Task ServeAsync(Socket connection, CancellationToken cancellationToken)
    {
        connection.NoDelay = true;
        var buffer = new byte[8192];
        var held = 0;
        while (held < buffer.Length)
        {
            var read = await connection.ReceiveAsync(buffer.AsMemory(held), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (read == 0) return;
            held += read;
            // Answer every complete head held; keep a partial one for the next read.
            int end;
            while ((end = buffer.AsSpan(0, held).IndexOf("\r\n\r\n"u8)) >= 0)
            {
                await connection.SendAsync(Response, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                var consumed = end + 4;
                buffer.AsSpan(consumed, held - consumed).CopyTo(buffer);
                held -= consumed;
            }
        }
    }
}
