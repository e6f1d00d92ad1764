using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Outcall.Tests.Proxy;
using Outcall.Tests.Tls;

namespace Outcall.Tests.Security;

/// <summary>
/// CONNECT under attack: pipelined bytes after a refusal are never parsed (RFC 9931), and the
/// ClientHello peek (FR-005) refuses malformed, stalled and oversized hellos without sending the
/// upstream a byte, while a hello split into 1-byte segments and many records still works and has its
/// SNI judged. A first byte other than 0x16 is not TLS and is judged on the authority (EC-001), so
/// it is not a refusal case here.
/// </summary>
public sealed class ConnectHostileSpecs(SecurityNodes nodes) : IClassFixture<SecurityNodes>
{
    [Fact]
    public async Task A_CONNECT_refused_by_the_guard_answers_once_and_never_parses_the_pipelined_request()
    {
        await using var upstream = HostileRequestSpecs.Recorder();
        var response = await HostileRequestSpecs.SendAsync(nodes.PublicOnly,
            $"CONNECT 127.0.0.1:{upstream.Port} HTTP/1.1\r\nHost: 127.0.0.1:{upstream.Port}\r\n\r\n" +
            $"GET http://optin.test:{upstream.Port}/x HTTP/1.1\r\nHost: optin.test:{upstream.Port}\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 403 Forbidden\r\n", response);
        Assert.Equal(1, HostileRequestSpecs.Occurrences(response, "HTTP/1.1 "));
        Assert.Equal(0, upstream.Connections);
    }

    public static TheoryData<string, string> RefusedWithPipelinedBytes => new()
    {
        { "malformed CONNECT", "CONNECT 127.0.0.1:{port} HTTP/1.1\r\nHost: evil.test:443\r\n\r\n" },
        { "CONNECT with a body", "CONNECT 127.0.0.1:{port} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 4\r\n\r\n" },
        { "wss absolute-form", "GET wss://127.0.0.1:{port}/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n" },
        { "smuggling head", "POST http://127.0.0.1:{port}/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n" },
    };

    [Theory]
    [MemberData(nameof(RefusedWithPipelinedBytes))]
    public async Task A_refused_request_is_answered_once_then_closed_and_its_pipelined_request_never_runs(string name, string refused)
    {
        await using var upstream = HostileRequestSpecs.Recorder();
        var pipelined = "GET http://127.0.0.1:{port}/second HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n";
        var response = await HostileRequestSpecs.SendAsync(nodes.Permissive, (refused + pipelined).Replace("{port}", upstream.Port.ToString()));
        Assert.True(response.StartsWith("HTTP/1.1 400 Bad Request\r\n", StringComparison.Ordinal), $"{name}: got {HostileRequestSpecs.FirstLine(response)}");
        Assert.Equal(1, HostileRequestSpecs.Occurrences(response, "HTTP/1.1 "));
        Assert.Equal(0, upstream.Connections);
    }

    public static TheoryData<string, byte[]> BadHellos => new()
    {
        { "a ServerHello instead", HelloBytes.Record(HelloBytes.Handshake(HelloBytes.HelloBody(null), type: 0x02)) },
        { "a zero-length record", HelloBytes.Record([]) },
        { "record version 4.0", HelloBytes.Record(HelloBytes.Handshake(HelloBytes.HelloBody(null)))[..1].Concat(new byte[] { 0x04, 0x00, 0x00, 0x10 }).ToArray() },
        { "an SNI that is not a DNS name", HelloBytes.Record(HelloBytes.Handshake(HelloBytes.HelloBody(HelloBytes.ServerName("bad name!")))) },
        { "two host names", HelloBytes.Record(HelloBytes.Handshake(HelloBytes.HelloBody(HelloBytes.ServerName("a.test", "b.test")))) },
        { "an extension longer than the hello", HelloBytes.Record(HelloBytes.Handshake([.. HelloBytes.HelloBody(null), 0x00, 0x40, 0x00, 0x00])) },
        { "oversized: 17 KiB hello in two records", HelloBytes.Reframe(HelloBytes.Record(HelloBytes.Handshake(HelloBytes.HelloBody(Padding(17 * 1024)))), 16 * 1024) },
        { "truncated and then stalled", HelloBytes.Record(HelloBytes.Handshake(HelloBytes.HelloBody(HelloBytes.ServerName("stall.test"))))[..30] },
        { "a record header cut short and stalled", [0x16, 0x03] },
    };

    [Theory]
    [MemberData(nameof(BadHellos))]
    public async Task A_bad_ClientHello_closes_the_tunnel_before_the_upstream_gets_a_byte_FR005(string name, byte[] hello)
    {
        await using var upstream = HostileRequestSpecs.Recorder();
        using var client = await ConnectAsync(nodes.Permissive, upstream.Port);
        await client.SendAsync(hello, SocketFlags.None);
        var rest = await RawIo.ReadBytesUntilCloseAsync(client, TimeSpan.FromSeconds(10));
        await upstream.FirstConnectionEnded.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(rest.Length == 0, $"{name}: the client got {rest.Length} bytes after the 200");
        Assert.Empty(upstream.Received);
    }

    [Fact]
    public async Task A_ClientHello_in_1_byte_segments_and_50_byte_records_tunnels_to_TLS_and_its_SNI_is_judged()
    {
        await using var upstream = new TlsUpstream();
        var socket = await ConnectAsync(nodes.Permissive, upstream.Port);
        await using var tls = new SslStream(new FragmentingStream(socket, recordSize: 50), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync("fragmented.test").WaitAsync(TimeSpan.FromSeconds(10));

        var bytes = "through the tunnel"u8.ToArray();
        await tls.WriteAsync(bytes);
        var back = new byte[bytes.Length];
        await tls.ReadExactlyAsync(back).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(bytes, back);
        // One handshake reached the upstream. Its SNI reads "" there: .NET's server peeks only the first
        // record for SNI, which is exactly why the proxy must reassemble records itself.
        Assert.Single(upstream.ServerNames);
        await nodes.Permissive.Log.WaitForLineAsync(l => l.Contains("by SNI") && l.Contains("\"ServerName\":\"fragmented.test\""));
    }

    [Fact]
    public async Task A_fragmented_ClientHello_whose_SNI_a_rule_blocks_is_cut_before_the_upstream_handshake_FR005()
    {
        await using var upstream = HostileRequestSpecs.Recorder();
        var socket = await ConnectAsync(nodes.Permissive, upstream.Port);
        await using var tls = new SslStream(new FragmentingStream(socket, recordSize: 50), false, (_, _, _, _) => true);
        await Assert.ThrowsAnyAsync<Exception>(() => tls.AuthenticateAsClientAsync("blocked-sni.test").WaitAsync(TimeSpan.FromSeconds(10)));
        await upstream.FirstConnectionEnded.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Empty(upstream.Received);
    }

    [Fact]
    public async Task A_ClientHello_sent_in_the_same_write_as_the_CONNECT_head_has_its_SNI_judged_FR005()
    {
        await using var upstream = HostileRequestSpecs.Recorder();
        var hello = await HelloBytes.CaptureAsync("blocked-sni.test");
        using var client = await nodes.Permissive.ConnectRawAsync();
        var connect = Encoding.ASCII.GetBytes($"CONNECT 127.0.0.1:{upstream.Port} HTTP/1.1\r\nHost: 127.0.0.1:{upstream.Port}\r\n\r\n");
        await client.SendAsync(connect.Concat(hello).ToArray(), SocketFlags.None);

        var answer = await RawIo.ReadUntilCloseAsync(client, TimeSpan.FromSeconds(10));
        await upstream.FirstConnectionEnded.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("HTTP/1.1 200 Connection Established\r\n\r\n", answer);
        Assert.Empty(upstream.Received);
        await nodes.Permissive.Log.WaitForLineAsync(l => l.Contains("\"ServerName\":\"blocked-sni.test\"") && l.Contains("block-fronted-sni"));
    }

    private static async Task<Socket> ConnectAsync(ProxyHarness proxy, int port)
    {
        var socket = await proxy.ConnectRawAsync();
        await socket.SendAsync(Encoding.ASCII.GetBytes($"CONNECT 127.0.0.1:{port} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"), SocketFlags.None);
        var (head, extra) = await RawIo.ReadHeadAsync(socket, TimeSpan.FromSeconds(10));
        Assert.Equal("HTTP/1.1 200 Connection Established\r\n\r\n", head);
        Assert.Empty(extra);
        return socket;
    }

    /// <summary>A padding extension (21) of the given size, to make a hello larger than the peek limit.</summary>
    private static byte[] Padding(int size) => HelloBytes.Extension(21, new byte[size]);
}
