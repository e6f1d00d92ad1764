using static Outcall.Http.HttpSyntax;

namespace Outcall.Http;

public enum ChunkedStatus { NeedMoreData, Data, Completed, Error }

/// <summary>
/// Streaming, strict decoder for a chunked body (RFC 9112 §7.1): hex sizes without junk or overflow,
/// CRLF after data, chunk extensions and trailer fields bounded in size and discarded.
/// One instance per body; not thread-safe.
/// Strictness on purpose: no whitespace around the size (BWS before ';' included), a chunk line
/// (size and extensions) of at most 4 KiB, sizes up to 2^62, trailers of at most 8 KiB in total
/// with the same field rules as a head.
/// </summary>
public sealed class ChunkedDecoder
{
    private const int MaxChunkLine = 4096;
    private const int MaxTrailerBytes = 8192;
    private const long MaxChunkSize = 1L << 62;

    private enum State { SizeStart, Size, Extension, SizeLf, Data, DataCr, DataLf, TrailerStart, TrailerLine, TrailerLf, FinalLf, Done, Failed }

    private State _state = State.SizeStart;
    private long _size;
    private int _lineLength;
    private int _trailerBytes;
    private byte[]? _trailerLine;
    private int _trailerLineLength;

    /// <summary>
    /// Consumes from <paramref name="input"/>. Data: the decoded bytes are input[dataOffset..dataOffset+dataLength]
    /// and <paramref name="consumed"/> counts everything up to and including them. NeedMoreData: all input
    /// consumed, call again with more. Completed: the last chunk and trailers were read; consumed ends
    /// right after the body, so bytes after it belong to the next message. Error: see Error.
    /// </summary>
    public ChunkedStatus Decode(ReadOnlySpan<byte> input, out int consumed, out int dataOffset, out int dataLength)
    {
        dataOffset = 0;
        dataLength = 0;
        var i = 0;
        while (_state is not (State.Done or State.Failed) && i < input.Length)
        {
            if (_state == State.Data)
            {
                var n = (int)Math.Min(_size, input.Length - i);
                dataOffset = i;
                dataLength = n;
                _size -= n;
                i += n;
                if (_size == 0) _state = State.DataCr;
                consumed = i;
                return ChunkedStatus.Data;
            }
            var error = Step(input[i++]);
            if (error is not null)
            {
                Error = error;
                _state = State.Failed;
            }
        }
        consumed = i;
        return _state switch
        {
            State.Done => ChunkedStatus.Completed,
            State.Failed => ChunkedStatus.Error,
            _ => ChunkedStatus.NeedMoreData,
        };
    }

    public string? Error { get; private set; }

    /// <summary>Advances over one framing byte; returns an error reason or null.</summary>
    private string? Step(byte b)
    {
        switch (_state)
        {
            case State.SizeStart:
                _size = 0;
                _lineLength = 0;
                if (HexValue(b) < 0) return "chunk size is not hexadecimal";
                return AddSizeDigit(b);
            case State.Size:
                if (HexValue(b) >= 0) return AddSizeDigit(b);
                if (b == (byte)';') return CountLineByte(State.Extension);
                if (b == Cr) return Go(State.SizeLf);
                return "junk after the chunk size";
            case State.Extension:
                if (b == Cr) return Go(State.SizeLf);
                if (!IsFieldValueByte(b)) return "invalid character in a chunk extension";
                return CountLineByte(State.Extension);
            case State.SizeLf:
                if (b != Lf) return "chunk line not ended by CRLF";
                return Go(_size == 0 ? State.TrailerStart : State.Data);
            case State.DataCr:
                return b == Cr ? Go(State.DataLf) : "chunk data not followed by CRLF";
            case State.DataLf:
                return b == Lf ? Go(State.SizeStart) : "chunk data not followed by CRLF";
            case State.TrailerStart:
                if (b == Cr) return Go(State.FinalLf);
                _trailerLineLength = 0;
                return AddTrailerByte(b);
            case State.TrailerLine:
                if (b == Cr) return Go(State.TrailerLf);
                return AddTrailerByte(b);
            case State.TrailerLf:
                if (b != Lf) return "trailer line not ended by CRLF";
                var fieldError = HeadLines.CheckField(_trailerLine.AsSpan(0, _trailerLineLength), out _);
                return fieldError ?? Go(State.TrailerStart);
            case State.FinalLf:
                return b == Lf ? Go(State.Done) : "chunked body not ended by CRLF";
            default:
                return "decoder in an unexpected state";
        }
    }

    private string? Go(State next)
    {
        _state = next;
        return null;
    }

    private string? AddSizeDigit(byte b)
    {
        if (_size > (MaxChunkSize - HexValue(b)) >> 4) return "chunk size too large";
        _size = (_size << 4) + HexValue(b);
        return CountLineByte(State.Size);
    }

    private string? CountLineByte(State next)
    {
        if (++_lineLength > MaxChunkLine) return "chunk line too long";
        return Go(next);
    }

    private string? AddTrailerByte(byte b)
    {
        if (b == Lf) return "bare LF in a trailer";
        if (++_trailerBytes > MaxTrailerBytes) return "trailer section too large";
        _trailerLine ??= new byte[MaxTrailerBytes];
        _trailerLine[_trailerLineLength++] = b;
        return Go(State.TrailerLine);
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
