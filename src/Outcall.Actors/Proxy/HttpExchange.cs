using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Outcall.Http;

namespace Outcall.Proxy;

public enum ExchangeEnd
{
    /// <summary>The response went to the client whole.</summary>
    Completed,
    /// <summary>The upstream answered 101 to an Upgrade request and the 101 was relayed: tunnel next.</summary>
    Upgraded,
    /// <summary>Something broke; both connections must be closed. A 502/504 was written when still possible.</summary>
    Aborted,
    /// <summary>
    /// Only when retrying was allowed: not one byte of the request reached the upstream and nothing was
    /// written to the client, so the caller may send it on a fresh connection (or answer 502 itself).
    /// </summary>
    NotSent,
}

/// <param name="Status">The final status relayed to the client; 0 when none was.</param>
/// <param name="Error">Why an <see cref="ExchangeEnd.Aborted"/> exchange broke; null otherwise.</param>
public sealed record ExchangeOutcome(
    ExchangeEnd End, bool ClientKeepAlive, bool UpstreamReusable, int Status, ProxyError? Error, long BytesUp, long BytesDown, string? Problem);

/// <summary>
/// One request relayed upstream and its response relayed back (FR-003). The request body and the
/// response run concurrently so an early final response (or a 100 Continue) is never stuck behind the
/// upload. Heads are re-serialised; bodies are re-framed through the length and chunked codecs, so
/// what the upstream reads is exactly what the proxy judged. Every read restarts the idle timeout.
/// </summary>
internal sealed class HttpExchange : IDisposable
{
    private readonly ByteChannel _client;
    private readonly ConnectionBuffer _clientBuffer;
    private readonly ByteChannel _upstream;
    private readonly ConnectionBuffer _upstreamBuffer;
    private readonly RequestHead _request;
    private readonly ProxySettings _settings;
    private readonly string _clientIp;
    private readonly IdleDeadline _idle;
    private readonly byte[] _chunkHeader = new byte[20];
    private readonly bool _mayRetry;
    private readonly bool _tiedToUpstream;
    private readonly long _upstreamSentBefore;
    private long _bytesUp;
    private long _bytesDown;
    private bool _clientWritten;

    private HttpExchange(ByteChannel client, ConnectionBuffer clientBuffer, ByteChannel upstream, ConnectionBuffer upstreamBuffer,
        RequestHead request, ProxySettings settings, string clientIp, bool mayRetry, bool tiedToUpstream, CancellationToken cancellationToken)
    {
        _clientIp = clientIp;
        _mayRetry = mayRetry;
        _tiedToUpstream = tiedToUpstream;
        _upstreamSentBefore = upstream.BytesSent;
        _client = client;
        _clientBuffer = clientBuffer;
        _upstream = upstream;
        _upstreamBuffer = upstreamBuffer;
        _request = request;
        _settings = settings;
        _idle = new IdleDeadline(settings.IdleTimeout, cancellationToken);
    }

    /// <param name="mayRetry">The caller could resend this request elsewhere (idempotent, on a reused connection):
    /// a failure before any byte reached the upstream then ends as <see cref="ExchangeEnd.NotSent"/>.</param>
    /// <param name="tiedToUpstream">The client's connection can reach only this upstream connection (an intercepted
    /// tunnel): when the upstream will not keep its connection, the client is told so (Connection: close).</param>
    public static async Task<ExchangeOutcome> RunAsync(ByteChannel client, ConnectionBuffer clientBuffer, ByteChannel upstream,
        ConnectionBuffer upstreamBuffer, RequestHead request, ProxySettings settings, string clientIp, bool mayRetry,
        CancellationToken cancellationToken, bool tiedToUpstream = false)
    {
        using var exchange = new HttpExchange(client, clientBuffer, upstream, upstreamBuffer, request, settings, clientIp, mayRetry, tiedToUpstream, cancellationToken);
        return await exchange.RunAsync().ConfigureAwait(false);
    }

    public void Dispose() => _idle.Dispose();

    private async Task<ExchangeOutcome> RunAsync()
    {
        Task requestBody = Task.CompletedTask;
        try
        {
            await SendAsync(_upstream, HeadWriter.UpstreamRequest(_request, _settings.ForwardedHeaders, _clientIp, _settings.Via)).ConfigureAwait(false);
            requestBody = PumpRequestBodyAsync();
            // A broken upload must end the wait for a response at once, not after the idle timeout.
            if (!requestBody.IsCompletedSuccessfully)
                _ = requestBody.ContinueWith(static (_, idle) => ((IdleDeadline)idle!).Cancel(), _idle,
                    CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            return await RelayResponseAsync(requestBody).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or ObjectDisposedException or BodyFramingException)
        {
            // The upload's own failure is the cause when it broke first (the response wait only saw the cancellation).
            return await FailAsync(requestBody.IsFaulted ? requestBody.Exception!.GetBaseException() : e).ConfigureAwait(false);
        }
        finally
        {
            _idle.Cancel();
            if (!requestBody.IsCompleted) await requestBody.ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }
    }

    private async Task<ExchangeOutcome> FailAsync(Exception cause)
    {
        if (_mayRetry && _upstream.BytesSent == _upstreamSentBefore && !_clientWritten)
            return new ExchangeOutcome(ExchangeEnd.NotSent, false, false, 0, null, 0, 0, "reused upstream connection failed before the request was sent");
        var (error, problem) = cause switch
        {
            BodyFramingException framing => (framing.Error, framing.Message),
            OperationCanceledException => (ProxyError.UpstreamIdleTimeout, "upstream idle timeout"),
            _ => (ProxyError.UpstreamConnectionFailed, "upstream connection failed"),
        };
        var status = ProxyErrors.StatusOf(error);
        if (!_clientWritten)
        {
            try
            {
                using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _client.SendAsync(ProxyResponses.Error(status, $"Outcall: {problem}"), quick.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or ObjectDisposedException) { }
        }
        return new ExchangeOutcome(ExchangeEnd.Aborted, false, false, _clientWritten ? 0 : status, error, _bytesUp, _bytesDown, problem);
    }

    private async Task PumpRequestBodyAsync()
    {
        switch (_request.Framing)
        {
            case BodyFraming.ContentLength:
                await CopyLengthAsync(_client, _clientBuffer, _upstream, _request.ContentLength, up: true).ConfigureAwait(false);
                break;
            case BodyFraming.Chunked:
                await CopyChunkedAsync(_client, _clientBuffer, _upstream, up: true, reframe: true).ConfigureAwait(false);
                break;
        }
    }

    private async Task<ExchangeOutcome> RelayResponseAsync(Task requestBody)
    {
        while (true)
        {
            var response = await ReadResponseHeadAsync().ConfigureAwait(false);
            if (response.StatusCode == 101)
            {
                if (_request.Upgrade is null) throw new BodyFramingException(ProxyError.UpstreamResponseInvalid, "upstream sent 101 without an Upgrade request");
                await requestBody.ConfigureAwait(false);
                await SendClientAsync(HeadWriter.ClientResponse(response, keepAlive: true, _settings.Via)).ConfigureAwait(false);
                return new ExchangeOutcome(ExchangeEnd.Upgraded, false, false, 101, null, _bytesUp, _bytesDown, null);
            }
            if (response.StatusCode < 200)
            {
                await SendClientAsync(HeadWriter.ClientResponse(response, keepAlive: true, _settings.Via)).ConfigureAwait(false);
                continue;
            }

            // A final answer before the upload finished: relay it, then close rather than guess where the body ends.
            var uploadDone = requestBody.IsCompletedSuccessfully;
            // An HTTP/1.0 client cannot read chunked framing: it gets the decoded body, delimited by our close.
            var dechunk = response.Framing == BodyFraming.Chunked && _request.VersionMinor == 0;
            var clientHead = dechunk ? CloseDelimited(response) : response;
            var clientKeepAlive = _request.KeepAlive && uploadDone && clientHead.Framing != BodyFraming.UntilClose
                                  && (!_tiedToUpstream || response.KeepAlive);
            // The first body bytes already read go out with the head: a small response is one send to the client, not two.
            var bodyStart = response.Framing == BodyFraming.ContentLength
                ? (int)Math.Min(Math.Min(response.ContentLength, _upstreamBuffer.Count), CoalescedBodyBytes)
                : 0;
            await SendClientAsync(HeadWriter.ClientResponse(clientHead, clientKeepAlive, _settings.Via, _upstreamBuffer.Span[..bodyStart])).ConfigureAwait(false);
            _upstreamBuffer.Consume(bodyStart);
            Count(false, bodyStart);
            switch (response.Framing)
            {
                case BodyFraming.ContentLength:
                    await CopyLengthAsync(_upstream, _upstreamBuffer, _client, response.ContentLength - bodyStart, up: false).ConfigureAwait(false);
                    break;
                case BodyFraming.Chunked:
                    await CopyChunkedAsync(_upstream, _upstreamBuffer, _client, up: false, reframe: !dechunk).ConfigureAwait(false);
                    break;
                case BodyFraming.UntilClose:
                    await CopyUntilCloseAsync().ConfigureAwait(false);
                    break;
            }
            if (clientKeepAlive) await requestBody.ConfigureAwait(false);
            var upstreamReusable = response.KeepAlive && requestBody.IsCompletedSuccessfully && _upstreamBuffer.Count == 0;
            return new ExchangeOutcome(ExchangeEnd.Completed, clientKeepAlive, upstreamReusable, response.StatusCode, null, _bytesUp, _bytesDown, null);
        }
    }

    private async Task<ResponseHead> ReadResponseHeadAsync()
    {
        while (true)
        {
            var parsed = ResponseHeadParser.Parse(_upstreamBuffer.Span, _settings.MaxHeaderBytes * 4, _request.Method);
            switch (parsed.Status)
            {
                case HeadParseStatus.Complete:
                    _upstreamBuffer.Consume(parsed.Consumed);
                    return parsed.Head!;
                case HeadParseStatus.Error:
                    throw new BodyFramingException(ProxyError.UpstreamResponseInvalid, $"invalid upstream response: {parsed.Reason}");
            }
            if (_upstreamBuffer.IsFull) throw new BodyFramingException(ProxyError.UpstreamResponseInvalid, "upstream response head too large");
            if (await FillAsync(_upstreamBuffer, _upstream).ConfigureAwait(false) == 0)
                throw new BodyFramingException(ProxyError.UpstreamClosed, "upstream closed before answering");
        }
    }

    /// <summary>Body bytes sent with a response head at most: past this, copying them into the head's array costs more than the send it saves.</summary>
    private const int CoalescedBodyBytes = 4096;

    private async Task CopyLengthAsync(ByteChannel from, ConnectionBuffer buffer, ByteChannel to, long length, bool up)
    {
        var remaining = length;
        while (remaining > 0)
        {
            if (buffer.Count == 0 && await FillAsync(buffer, from).ConfigureAwait(false) == 0)
                throw ClosedInsideBody(up);
            var take = (int)Math.Min(remaining, buffer.Count);
            await SendAsync(to, buffer.Memory[..take]).ConfigureAwait(false);
            buffer.Consume(take);
            remaining -= take;
            Count(up, take);
        }
    }

    private static ResponseHead CloseDelimited(ResponseHead response) => new()
    {
        StatusCode = response.StatusCode,
        ReasonPhrase = response.ReasonPhrase,
        VersionMinor = response.VersionMinor,
        Headers = response.Headers,
        Framing = BodyFraming.UntilClose,
        KeepAlive = false,
    };

    /// <summary>Decodes a chunked body strictly; re-encodes it as chunks, or writes the bare data when not reframing.</summary>
    private async Task CopyChunkedAsync(ByteChannel from, ConnectionBuffer buffer, ByteChannel to, bool up, bool reframe)
    {
        var decoder = new ChunkedDecoder();
        var segments = new ArraySegment<byte>[3];
        while (true)
        {
            var status = decoder.Decode(buffer.Span, out var consumed, out var dataOffset, out var dataLength);
            switch (status)
            {
                case ChunkedStatus.Data when !reframe:
                    await SendAsync(to, buffer.Memory.Slice(dataOffset, dataLength)).ConfigureAwait(false);
                    buffer.Consume(consumed);
                    Count(up, dataLength);
                    continue;
                case ChunkedStatus.Data:
                    var headerLength = ChunkedEncoder.WriteChunkHeader(_chunkHeader, dataLength);
                    segments[0] = new ArraySegment<byte>(_chunkHeader, 0, headerLength);
                    segments[1] = buffer.Segment(dataOffset, dataLength);
                    segments[2] = new ArraySegment<byte>(CrLf);
                    await SendAsync(to, segments, headerLength + dataLength + 2).ConfigureAwait(false);
                    buffer.Consume(consumed);
                    Count(up, dataLength);
                    continue;
                case ChunkedStatus.Completed:
                    buffer.Consume(consumed);
                    if (reframe) await SendAsync(to, LastChunk).ConfigureAwait(false);
                    return;
                case ChunkedStatus.Error:
                    throw new BodyFramingException(up ? ProxyError.RequestBodyInvalid : ProxyError.UpstreamResponseInvalid,
                        $"invalid chunked {(up ? "request" : "response")} body: {decoder.Error}");
            }
            buffer.Consume(consumed);
            if (await FillAsync(buffer, from).ConfigureAwait(false) == 0)
                throw ClosedInsideBody(up);
        }
    }

    private async Task CopyUntilCloseAsync()
    {
        while (true)
        {
            if (_upstreamBuffer.Count == 0 && await FillAsync(_upstreamBuffer, _upstream).ConfigureAwait(false) == 0) return;
            var count = _upstreamBuffer.Count;
            await SendAsync(_client, _upstreamBuffer.Memory).ConfigureAwait(false);
            _upstreamBuffer.Consume(count);
            Count(false, count);
        }
    }

    private static BodyFramingException ClosedInsideBody(bool up) => up
        ? new BodyFramingException(ProxyError.RequestBodyInvalid, "client closed inside the request body")
        : new BodyFramingException(ProxyError.UpstreamClosed, "upstream closed inside the response body");

    private static readonly byte[] CrLf = "\r\n"u8.ToArray();
    private static readonly byte[] LastChunk = ChunkedEncoder.LastChunk.ToArray();

    private void Count(bool up, int bytes)
    {
        if (up) Interlocked.Add(ref _bytesUp, bytes);
        else _bytesDown += bytes;
    }

    private async Task SendClientAsync(byte[] bytes)
    {
        _clientWritten = true;
        await SendAsync(_client, bytes).ConfigureAwait(false);
    }

    private async Task SendAsync(ByteChannel channel, ReadOnlyMemory<byte> bytes)
    {
        if (ReferenceEquals(channel, _client)) _clientWritten = true;
        try
        {
            await channel.SendAsync(bytes, _idle.Progress()).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            throw Broken(channel, e);
        }
    }

    private async Task SendAsync(ByteChannel channel, ArraySegment<byte>[] segments, int total)
    {
        if (ReferenceEquals(channel, _client)) _clientWritten = true;
        try
        {
            await channel.SendAsync(segments, total, _idle.Progress()).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            throw Broken(channel, e);
        }
    }

    // Pooled: this runs once per read on the body path, and a fresh box per read would be garbage per 64 KiB.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> FillAsync(ConnectionBuffer buffer, ByteChannel from)
    {
        try
        {
            return await buffer.FillAsync(from, _idle.Progress()).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            throw Broken(from, e);
        }
    }

    /// <summary>Names the side whose connection failed: a client gone away is not an upstream error.</summary>
    private BodyFramingException Broken(ByteChannel channel, Exception cause) => ReferenceEquals(channel, _client)
        ? new BodyFramingException(ProxyError.ClientConnectionFailed, "client connection failed", cause)
        : new BodyFramingException(ProxyError.UpstreamConnectionFailed, "upstream connection failed", cause);
}

/// <summary>
/// A body or response that cannot be relayed (its framing cannot be trusted, or a side's socket failed);
/// <see cref="Error"/> says whose fault it was: the client's, or the upstream's.
/// </summary>
internal sealed class BodyFramingException(ProxyError error, string message, Exception? cause = null) : Exception(message, cause)
{
    public ProxyError Error { get; } = error;
}
