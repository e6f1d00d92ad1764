using System.Diagnostics;
using System.Net.Sockets;

namespace Outcall.LoadTools;

/// <summary>
/// Tunnel set-up rate: N workers each loop CONNECT, one echo, close, for T seconds (and at most
/// --max-connections in all). Reports completed tunnels per second and the errors seen.
/// </summary>
internal static class TunnelChurn
{
    public static async Task<int> RunAsync(Options options)
    {
        var proxy = options.Proxy();
        var workers = options.Int("workers", 50);
        var duration = TimeSpan.FromSeconds(options.Int("seconds", 5));
        var budget = options.Int("max-connections", 1_000_000);
        await using var echo = EchoServer.Start();
        var completed = 0L;
        var errors = 0L;
        var started = 0L;
        var clock = Stopwatch.StartNew();

        async Task WorkAsync()
        {
            while (clock.Elapsed < duration && Interlocked.Increment(ref started) <= budget)
            {
                using var attempt = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                try
                {
                    using var socket = await TunnelClient.OpenAsync(proxy, echo.EndPoint, attempt.Token).ConfigureAwait(false);
                    await TunnelClient.EchoAsync(socket, attempt.Token).ConfigureAwait(false);
                    socket.Shutdown(SocketShutdown.Both);
                    Interlocked.Increment(ref completed);
                }
                catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(WorkAsync))).ConfigureAwait(false);
        var seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"rate={completed / seconds:F1} completed={completed} errors={errors} seconds={seconds:F2}");
        return 0;
    }
}
