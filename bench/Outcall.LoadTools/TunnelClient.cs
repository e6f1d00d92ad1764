using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Outcall.LoadTools;

/// <summary>Opens one tunnel (CONNECT through a proxy, or a plain connect for `direct`) and checks it echoes.</summary>
internal static class TunnelClient
{
    private static readonly byte[] Ping = "outcall-bench-ping\n"u8.ToArray();

    public static async Task<Socket> OpenAsync(IPEndPoint? proxy, IPEndPoint target, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(proxy ?? target, cancellationToken).ConfigureAwait(false);
            if (proxy is not null) await ConnectThroughAsync(socket, target, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends a ping and waits for all of it to come back.</summary>
    public static async Task EchoAsync(Socket socket, CancellationToken cancellationToken)
    {
        await socket.SendAsync(Ping, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        var echoed = new byte[Ping.Length];
        var received = 0;
        while (received < echoed.Length)
        {
            var read = await socket.ReceiveAsync(echoed.AsMemory(received), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (read == 0) throw new IOException("tunnel closed before the echo");
            received += read;
        }
        if (!echoed.AsSpan().SequenceEqual(Ping)) throw new IOException("echo differs from the ping");
    }

    private static async Task ConnectThroughAsync(Socket socket, IPEndPoint target, CancellationToken cancellationToken)
    {
        var request = Encoding.ASCII.GetBytes($"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n");
        await socket.SendAsync(request, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        // Read byte by byte up to the blank line, so no tunnel byte is swallowed with the head.
        var head = new byte[1024];
        var length = 0;
        while (length < 4 || !head.AsSpan(length - 4, 4).SequenceEqual("\r\n\r\n"u8))
        {
            if (length == head.Length) throw new IOException("CONNECT response head too long");
            var read = await socket.ReceiveAsync(head.AsMemory(length, 1), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (read == 0) throw new IOException("proxy closed before answering CONNECT");
            length += read;
        }
        var statusLine = Encoding.ASCII.GetString(head, 0, Math.Min(length, 16));
        if (statusLine.Length < 12 || statusLine[9..12] != "200") throw new IOException("CONNECT was not answered with 200");
    }
}
