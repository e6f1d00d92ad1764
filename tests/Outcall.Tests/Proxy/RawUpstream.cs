using System.Net;
using System.Net.Sockets;

namespace Outcall.Tests.Proxy;

/// <summary>
/// A bare TCP server on 127.0.0.1:0 for byte-exact tunnel tests: it records every byte it receives
/// and runs a scripted conversation per connection.
/// </summary>
public sealed class RawUpstream : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<Socket, RawUpstream, Task> _script;
    private readonly CancellationTokenSource _stop = new();
    private readonly MemoryStream _received = new();
    private readonly TaskCompletionSource _connectionEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _dataSeen = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _connections;

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    public int Connections => Volatile.Read(ref _connections);
    public Task FirstConnectionEnded => _connectionEnded.Task;
    public Task FirstBytesReceived => _dataSeen.Task;

    public byte[] Received
    {
        get { lock (_received) return _received.ToArray(); }
    }

    public RawUpstream(Func<Socket, RawUpstream, Task> script)
    {
        _script = script;
        _listener.Start();
        _ = AcceptLoopAsync();
    }

    /// <summary>Reads everything the peer sends until it half-closes, recording it; returns the bytes.</summary>
    public async Task<byte[]> ReadToEndAsync(Socket socket)
    {
        var all = new MemoryStream();
        var buffer = new byte[16384];
        int read;
        while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token)) > 0)
        {
            Record(buffer.AsSpan(0, read));
            all.Write(buffer, 0, read);
        }
        return all.ToArray();
    }

    public void Record(ReadOnlySpan<byte> bytes)
    {
        lock (_received) _received.Write(bytes);
        _dataSeen.TrySetResult();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            Interlocked.Increment(ref _connections);
            _ = RunAsync(socket);
        }
    }

    private async Task RunAsync(Socket socket)
    {
        try
        {
            await _script(socket, this);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The proxy cut the connection; tests assert on what was recorded.
        }
        finally
        {
            socket.Dispose();
            _connectionEnded.TrySetResult();
        }
    }

    public ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        return ValueTask.CompletedTask;
    }
}
