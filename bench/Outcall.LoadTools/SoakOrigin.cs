using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Outcall.LoadTools;

/// <summary>
/// The soak's HTTP origin (Kestrel on 127.0.0.1:0): /small answers 1 KB, /bulk/N streams N MB of a
/// pattern, /upload reads the body, /ws echoes WebSocket messages, and /die promises 1 MB then aborts
/// the connection after one 62 KB chunk (an upstream that dies mid-response).
/// </summary>
internal sealed class SoakOrigin : IAsyncDisposable
{
    public const int SmallSize = 1024;
    public const int MegaByte = 1024 * 1024;
    private static readonly byte[] Small = Pattern(SmallSize);
    // A whole number of pattern periods, so every chunk of a bulk body is the same bytes.
    private static readonly byte[] Chunk = Pattern(251 * 256);

    private readonly WebApplication _app;

    public int Port { get; }

    private SoakOrigin(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public static byte Expected(long offset) => (byte)(offset % 251);

    private static byte[] Pattern(int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++) bytes[i] = Expected(i);
        return bytes;
    }

    public static async Task<SoakOrigin> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Listen(IPAddress.Loopback, 0);
        });
        var app = builder.Build();
        app.UseWebSockets();
        app.Run(HandleAsync);
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new SoakOrigin(app, new Uri(address).Port);
    }

    private static async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        var aborted = context.RequestAborted;
        try
        {
            if (path == "/small")
            {
                context.Response.ContentLength = Small.Length;
                await context.Response.Body.WriteAsync(Small, aborted).ConfigureAwait(false);
            }
            else if (path.StartsWith("/bulk/", StringComparison.Ordinal) && int.TryParse(path.AsSpan(6), out var megabytes))
            {
                var length = (long)megabytes * MegaByte;
                context.Response.ContentLength = length;
                for (long sent = 0; sent < length; sent += Chunk.Length)
                    await context.Response.Body.WriteAsync(Chunk.AsMemory(0, (int)Math.Min(Chunk.Length, length - sent)), aborted).ConfigureAwait(false);
            }
            else if (path == "/upload")
            {
                var buffer = new byte[64 * 1024];
                long total = 0;
                int read;
                while ((read = await context.Request.Body.ReadAsync(buffer, aborted).ConfigureAwait(false)) > 0) total += read;
                await context.Response.WriteAsync(total.ToString(System.Globalization.CultureInfo.InvariantCulture), aborted).ConfigureAwait(false);
            }
            else if (path == "/ws" && context.WebSockets.IsWebSocketRequest)
            {
                using var socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
                await EchoAsync(socket, aborted).ConfigureAwait(false);
            }
            else if (path == "/die")
            {
                context.Response.ContentLength = MegaByte;
                await context.Response.Body.WriteAsync(Chunk, aborted).ConfigureAwait(false);
                await context.Response.Body.FlushAsync(aborted).ConfigureAwait(false);
                context.Abort();
            }
            else
            {
                context.Response.StatusCode = 404;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or WebSocketException)
        {
            // The client (or the proxy for it) went away: part of the soak's faults.
        }
    }

    private static async Task EchoAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken).ConfigureAwait(false);
                return;
            }
            await socket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync().ConfigureAwait(false);
}
