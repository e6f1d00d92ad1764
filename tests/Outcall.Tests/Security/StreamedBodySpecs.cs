using System.Net.Sockets;
using System.Text;
using Outcall.Tests.Proxy;

namespace Outcall.Tests.Security;

/// <summary>
/// FR-024: chunk framing errors can only be seen while the body streams, after the head went upstream.
/// The head and the valid chunks before the error are relayed (re-encoded); the bad bytes never are,
/// and both connections are closed so the upstream holds an incomplete body it must discard.
/// The client gets a 400 when no response byte was written yet: the error is the client's.
/// </summary>
public sealed class StreamedBodySpecs(SecurityNodes nodes) : IClassFixture<SecurityNodes>
{
    private const string ValidChunk = "5\r\nhello\r\n";

    /// <summary>Name, the bad part sent after a valid chunk, and what the upstream gets of it: the data of a
    /// chunk whose closing CRLF is wrong is already streamed (re-framed by us) before the CRLF is seen.</summary>
    public static TheoryData<string, string, string> BadChunks => new()
    {
        { "size with trailing junk", "5x\r\nworld\r\n0\r\n\r\n", "" },
        { "space before the size", " 5\r\nworld\r\n0\r\n\r\n", "" },
        { "space after the size", "5 \r\nworld\r\n0\r\n\r\n", "" },
        { "negative size", "-5\r\nworld\r\n0\r\n\r\n", "" },
        { "0x-prefixed size", "0x5\r\nworld\r\n0\r\n\r\n", "" },
        { "non-hex size", "g\r\nworld\r\n0\r\n\r\n", "" },
        { "empty size line", "\r\nworld\r\n0\r\n\r\n", "" },
        { "size over 64 bits", "fffffffffffffffff\r\nworld\r\n0\r\n\r\n", "" },
        { "bare LF after the size", "5\nworld\r\n0\r\n\r\n", "" },
        { "missing CRLF after the data", "5\r\nworldXX0\r\n\r\n", "5\r\nworld\r\n" },
        { "bare LF after the data", "5\r\nworld\n0\r\n\r\n", "5\r\nworld\r\n" },
        { "over-long chunk extension", "5;" + new string('e', 5000) + "\r\nworld\r\n0\r\n\r\n", "" },
        { "trailer without a colon", "0\r\nNoColon\r\n\r\n", "" },
        { "folded trailer", "0\r\nX-A: a\r\n b\r\n\r\n", "" },
        { "NUL in a trailer", "0\r\nX-A: a\0b\r\n\r\n", "" },
    };

    [Theory]
    [MemberData(nameof(BadChunks))]
    public async Task A_bad_chunk_after_a_valid_head_never_reaches_the_upstream_and_closes_both_sides(string name, string badPart, string alsoRelayed)
    {
        await using var upstream = HostileRequestSpecs.Recorder();
        var head = $"POST http://127.0.0.1:{upstream.Port}/x HTTP/1.1\r\nHost: 127.0.0.1:{upstream.Port}\r\nTransfer-Encoding: chunked\r\n\r\n";
        using var client = await nodes.Permissive.ConnectRawAsync();
        await client.SendAsync(Encoding.Latin1.GetBytes(head + ValidChunk), SocketFlags.None);
        await upstream.FirstBytesReceived.WaitAsync(TimeSpan.FromSeconds(10));
        await client.SendAsync(Encoding.Latin1.GetBytes(badPart), SocketFlags.None);

        var response = await RawIo.ReadUntilCloseAsync(client, TimeSpan.FromSeconds(10));
        await upstream.FirstConnectionEnded.WaitAsync(TimeSpan.FromSeconds(10));

        var received = Encoding.Latin1.GetString(upstream.Received);
        Assert.Equal($"POST /x HTTP/1.1\r\nHost: 127.0.0.1:{upstream.Port}\r\nVia: 1.1 outcall\r\nTransfer-Encoding: chunked\r\n\r\n{ValidChunk}{alsoRelayed}", received);
        // A 504 here means the exchange sat until the idle timeout, blaming the upstream for the client's framing.
        Assert.True(response.StartsWith("HTTP/1.1 400 Bad Request\r\n", StringComparison.Ordinal), $"{name}: got {HostileRequestSpecs.FirstLine(response)}");
    }
}
