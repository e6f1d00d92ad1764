using System.Text;
using Outcall.Http;

namespace Outcall.Tests.Http;

/// <summary>Helpers for writing heads in tests: C# string escapes, one char per byte (Latin-1).</summary>
internal static class HttpText
{
    public const int MaxHead = 8192;

    public static byte[] Bytes(string text) => Encoding.Latin1.GetBytes(text);

    public static HeadParseResult<RequestHead> ParseRequest(string text) => RequestHeadParser.Parse(Bytes(text), MaxHead);

    public static RequestHead ParseValidRequest(string text)
    {
        var result = ParseRequest(text);
        Assert.True(result.Status == HeadParseStatus.Complete, $"expected Complete, got {result.Status} {result.StatusCode} {result.Reason}");
        return result.Head!;
    }

    public static HeadParseResult<ResponseHead> ParseResponse(string text, string method = "GET") =>
        ResponseHeadParser.Parse(Bytes(text), MaxHead, method);

    public static ResponseHead ParseValidResponse(string text, string method = "GET")
    {
        var result = ParseResponse(text, method);
        Assert.True(result.Status == HeadParseStatus.Complete, $"expected Complete, got {result.Status} {result.StatusCode} {result.Reason}");
        return result.Head!;
    }
}
