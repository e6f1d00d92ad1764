using System.Net.Sockets;
using Akka.Configuration;
using Outcall.Http;

namespace Outcall.Proxy;

/// <summary>
/// The body of a request the proxy refused, read and thrown away so the client can read the refusal.
/// A client that writes its whole upload before reading (Python requests with a generator, curl -T)
/// otherwise meets a closed socket mid-upload: its write fails with EPIPE, or our close with its bytes
/// unread sends a reset that destroys the response it has not read yet. Bounded: at most the byte
/// budget is read (framing included), and each read waits at most the silence timeout.
/// </summary>
internal static class RefusedBody
{
    /// <summary>`outcall.proxy.max-refused-body-bytes` from the proxy section: a size, 0 meaning never read one.</summary>
    public static long BudgetOf(Config proxySection)
    {
        const string problem = "outcall.proxy.max-refused-body-bytes must be a size such as 16MiB (0: never read a refused body)";
        try
        {
            return proxySection.GetByteSize("max-refused-body-bytes") is >= 0 and var budget ? budget : throw new ConfigurationException(problem);
        }
        catch (FormatException)
        {
            throw new ConfigurationException(problem);
        }
    }

    /// <summary>
    /// Reads the request's framed body to its end. True when the whole body was read (or there was none);
    /// false when it was too large, malformed, cut short, too slow, or never coming (the client waits for a
    /// 100 Continue it will not get): the caller then closes without having read it.
    /// </summary>
    public static async Task<bool> DiscardAsync(ByteChannel client, ConnectionBuffer buffer, RequestHead request, long budget, TimeSpan silence,
        CancellationToken cancellationToken)
    {
        if (request.Framing == BodyFraming.None) return true;
        if (request.ExpectContinue) return false;
        using var idle = new IdleDeadline(silence, cancellationToken);
        try
        {
            return request.Framing switch
            {
                BodyFraming.ContentLength => request.ContentLength <= budget && await DiscardLengthAsync(client, buffer, request.ContentLength, idle).ConfigureAwait(false),
                BodyFraming.Chunked => await DiscardChunkedAsync(client, buffer, budget, idle).ConfigureAwait(false),
                _ => false,
            };
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            return false;
        }
    }

    private static async Task<bool> DiscardLengthAsync(ByteChannel client, ConnectionBuffer buffer, long length, IdleDeadline idle)
    {
        var remaining = length;
        while (true)
        {
            var take = (int)Math.Min(remaining, buffer.Count);
            buffer.Consume(take);
            remaining -= take;
            if (remaining == 0) return true;
            if (!await FillAsync(client, buffer, idle).ConfigureAwait(false)) return false;
        }
    }

    private static async Task<bool> DiscardChunkedAsync(ByteChannel client, ConnectionBuffer buffer, long budget, IdleDeadline idle)
    {
        var decoder = new ChunkedDecoder();
        var read = 0L;
        while (true)
        {
            var status = decoder.Decode(buffer.Span, out var consumed, out _, out _);
            buffer.Consume(consumed);
            read += consumed;
            if (read > budget) return false;
            switch (status)
            {
                case ChunkedStatus.Completed: return true;
                case ChunkedStatus.Error: return false;
                case ChunkedStatus.NeedMoreData when !await FillAsync(client, buffer, idle).ConfigureAwait(false): return false;
            }
        }
    }

    /// <summary>One read, which must come within the silence timeout; false when the client closed instead.</summary>
    private static async Task<bool> FillAsync(ByteChannel client, ConnectionBuffer buffer, IdleDeadline idle) =>
        await buffer.FillAsync(client, idle.Progress()).ConfigureAwait(false) > 0;
}
