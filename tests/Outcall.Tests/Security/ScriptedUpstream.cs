using System.Net.Sockets;
using System.Text;
using Outcall.Tests.Proxy;

namespace Outcall.Tests.Security;

/// <summary>Raw upstreams that read one request head (recording it) and answer with canned bytes.</summary>
internal static class ScriptedUpstream
{
    public static RawUpstream Answering(string response) => new(async (socket, self) =>
    {
        await ReadHeadAsync(socket, self);
        await socket.SendAsync(Encoding.Latin1.GetBytes(response), SocketFlags.None);
        socket.Shutdown(SocketShutdown.Send);
        await self.ReadToEndAsync(socket);
    });

    private static async Task ReadHeadAsync(Socket socket, RawUpstream self)
    {
        var seen = new List<byte>();
        var buffer = new byte[4096];
        while (!Encoding.Latin1.GetString(seen.ToArray()).Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None);
            if (read == 0) return;
            self.Record(buffer.AsSpan(0, read));
            seen.AddRange(buffer.AsSpan(0, read).ToArray());
        }
    }
}
