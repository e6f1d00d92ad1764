using Outcall.Http;
using Outcall.Tls;
using SharpFuzz;

namespace Outcall.Fuzz;

/// <summary>
/// AFL targets for the pure codecs that see hostile bytes first. Each target must only ever return
/// its documented results: any exception escaping here is a crash AFL records.
/// </summary>
public static class Program
{
    private const int MaxHeaderBytes = 16 * 1024;
    private const int MaxHelloBytes = 16 * 1024;

    public static int Main(string[] args)
    {
        Action<byte[]>? target = args.FirstOrDefault() switch
        {
            "head" => RequestHead,
            "chunked" => Chunked,
            "hello" => ClientHello,
            _ => null,
        };
        if (target is null)
        {
            Console.Error.WriteLine("usage: Outcall.Fuzz head|chunked|hello   (input on stdin, driven by afl-fuzz)");
            return 2;
        }
        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            target(copy.ToArray());
        });
        return 0;
    }

    /// <summary>The whole input as one buffer, then every prefix the way a socket would deliver it.</summary>
    private static void RequestHead(byte[] input)
    {
        var whole = RequestHeadParser.Parse(input, MaxHeaderBytes);
        Check(whole.Status != HeadParseStatus.Complete || (whole.Consumed > 0 && whole.Consumed <= input.Length), "consumed out of range");
        Check(whole.Status != HeadParseStatus.Error || whole.StatusCode is 400 or 417 or 431 or 505, "undocumented status");
        var split = input.Length / 2;
        var prefix = RequestHeadParser.Parse(input.AsSpan(0, split), MaxHeaderBytes);
        // A prefix that already completes must agree with the whole buffer.
        Check(prefix.Status != HeadParseStatus.Complete || (whole.Status == HeadParseStatus.Complete && whole.Consumed == prefix.Consumed),
            "prefix and whole disagree");
    }

    /// <summary>The input decoded twice: in one piece and fed in 7-byte slices; both must agree.</summary>
    private static void Chunked(byte[] input)
    {
        var (wholeStatus, wholeData) = Decode(input, input.Length);
        var (slicedStatus, slicedData) = Decode(input, 7);
        Check(wholeStatus == slicedStatus, "split changes the verdict");
        Check(wholeStatus != ChunkedStatus.Completed || wholeData.AsSpan().SequenceEqual(slicedData), "split changes the data");
    }

    private static (ChunkedStatus Status, byte[] Data) Decode(byte[] input, int slice)
    {
        var decoder = new ChunkedDecoder();
        var data = new MemoryStream();
        var offset = 0;
        var end = Math.Min(slice, input.Length);
        var status = ChunkedStatus.NeedMoreData;
        while (true)
        {
            status = decoder.Decode(input.AsSpan(offset, end - offset), out var consumed, out var dataOffset, out var dataLength);
            Check(consumed >= 0 && consumed <= end - offset, "consumed out of range");
            if (status == ChunkedStatus.Data) data.Write(input, offset + dataOffset, dataLength);
            offset += consumed;
            if (status is ChunkedStatus.Completed or ChunkedStatus.Error) return (status, data.ToArray());
            if (status == ChunkedStatus.NeedMoreData)
            {
                if (end == input.Length) return (status, data.ToArray());
                end = Math.Min(end + slice, input.Length);
            }
        }
    }

    /// <summary>Every prefix length a peek could see, then the whole input: never a throw, and growing input never un-decides.</summary>
    private static void ClientHello(byte[] input)
    {
        var previous = ClientHelloStatus.NeedMoreData;
        for (var length = 1; length <= input.Length; length += Math.Max(1, input.Length / 16))
        {
            var result = ClientHelloReader.TryRead(input.AsSpan(0, length), MaxHelloBytes);
            Check(previous == ClientHelloStatus.NeedMoreData || result.Status == previous, "more bytes changed a decided result");
            previous = result.Status;
        }
        var whole = ClientHelloReader.TryRead(input, MaxHelloBytes);
        Check(whole.Status != ClientHelloStatus.Parsed || whole.ServerName is null || whole.ServerName.Length is > 0 and <= 253, "bad server name");
    }

    private static void Check(bool condition, string what)
    {
        if (!condition) throw new InvalidOperationException($"fuzz invariant broken: {what}");
    }
}
