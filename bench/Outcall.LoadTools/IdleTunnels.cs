namespace Outcall.LoadTools;

/// <summary>
/// Memory per idle tunnel: N plain CONNECT tunnels through the proxy to the tool's echo server, each echoed
/// once first (so the proxy is past its ClientHello peek and holds a live tunnel), measured by <see cref="HeldTunnels"/>.
/// </summary>
internal static class IdleTunnels
{
    public static async Task<int> RunAsync(Options options)
    {
        var proxy = options.Proxy() ?? throw new ArgumentException("idle needs a proxy");
        await using var echo = new EchoServer();
        return await HeldTunnels.MeasureAsync(options, async cancellationToken =>
        {
            var socket = await TunnelClient.OpenAsync(proxy, echo.EndPoint, cancellationToken).ConfigureAwait(false);
            try
            {
                await TunnelClient.EchoAsync(socket, cancellationToken).ConfigureAwait(false);
                return socket;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }, TunnelClient.EchoAsync).ConfigureAwait(false);
    }
}
