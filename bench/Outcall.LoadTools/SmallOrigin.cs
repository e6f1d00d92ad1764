using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Outcall.LoadTools;

/// <summary>
/// A keep-alive HTTP/1.1 origin on 127.0.0.1 that answers every request head with 200 and the same 1 KiB body: the
/// small GETs' far end when no nginx runs. Requests are GETs without bodies, so a head is all it reads.
/// </summary>
internal sealed class SmallOrigin : IAsyncDisposable
{
    private static readonly byte[] Response = Encoding.ASCII.GetBytes(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1024\r\n\r\n" + new string('x', 1024));

    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public SmallOrigin()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(4096);
        _accepting = AcceptAsync();
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                _ = ServeAsync(await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false));
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                if (_stop.IsCancellationRequested) return;
            }
        }
    }

    private async Task ServeAsync(Socket connection)
    {
        using var _ = connection;
        connection.NoDelay = true;
        var buffer = new byte[8192];
        var held = 0;
        try
        {
            while (true)
            {
                var read = await connection.ReceiveAsync(buffer.AsMemory(held), SocketFlags.None, _stop.Token).ConfigureAwait(false);
                if (read == 0) return;
                held += read;
                // Answer every complete head held; keep a partial one for the next read.
                int end;
                while ((end = buffer.AsSpan(0, held).IndexOf("\r\n\r\n"u8)) >= 0)
                {
                    await connection.SendAsync(Response, SocketFlags.None, _stop.Token).ConfigureAwait(false);
                    var consumed = end + 4;
                    buffer.AsSpan(consumed, held - consumed).CopyTo(buffer);
                    held -= consumed;
                }
                if (held == buffer.Length) return;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The client went away or we are stopping.
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        await _accepting.ConfigureAwait(false);
        _stop.Dispose();
    }
}
