using System.Net;
using System.Net.Sockets;

namespace Outcall.LoadTools;

/// <summary>A listener on 127.0.0.1:0 that hands each accepted connection to <c>serve</c> and closes it after; the tools' far ends.</summary>
internal sealed class LoopbackServer : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<Socket, CancellationToken, Task> _serve;
    private readonly Task _accepting;

    public LoopbackServer(Func<Socket, CancellationToken, Task> serve)
    {
        _serve = serve;
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(4096);
        _accepting = AcceptAsync();
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                if (_stop.IsCancellationRequested) return;
                continue;
            }
            _ = ServeAsync(connection);
        }
    }

    private async Task ServeAsync(Socket connection)
    {
        using var _ = connection;
        try
        {
            await _serve(connection, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or IOException)
        {
            // The client went away or we are stopping: this connection is done either way.
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
