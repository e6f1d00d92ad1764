using System.Net;
using System.Net.Sockets;

namespace Outcall.Tests.Upstream;

/// <summary>A loopback listener that hands out connected client sockets and keeps each server side for the test to act on.</summary>
public sealed class LoopbackServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    public LoopbackServer() => _listener.Start();

    public IPEndPoint Endpoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>The accepted ends, in connection order.</summary>
    public List<Socket> ServerSides { get; } = [];

    public async Task<Socket> ConnectAsync()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accept = _listener.AcceptSocketAsync();
        await socket.ConnectAsync(Endpoint);
        ServerSides.Add(await accept);
        return socket;
    }

    public void Dispose()
    {
        foreach (var socket in ServerSides) socket.Dispose();
        _listener.Stop();
    }
}
