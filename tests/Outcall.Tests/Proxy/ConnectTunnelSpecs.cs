using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace Outcall.Tests.Proxy;

/// <summary>CONNECT tunnels: two-step evaluation, SNI, half-close, idle timeout (FR-004/005/011/017/018, EC-001/004/005/009, SC-003/006).</summary>
public sealed class ConnectTunnelSpecs : IAsyncLifetime
{
    private const string Rules = """
        version: "1"
        rules:
          - id: block-fronted
            condition: network.hostname == "fronted.test"
            action: block
          - id: allow-test-names
            condition: network.hostname in ["upstream.test", "cdn.test", "127.0.0.1", "::1", "sni-allowed.test"]
            action: allow
            egress:
              allow_private_ips: true
        """;

    private ProxyHarness _proxy = null!;

    public async Task InitializeAsync()
    {
        var resolver = new StaticResolver().Map("upstream.test", IPAddress.Loopback).Map("cdn.test", IPAddress.Loopback);
        _proxy = await ProxyHarness.StartAsync(Rules, "outcall.proxy.client-hello-timeout = 500ms\noutcall.proxy.idle-timeout = 2s", resolver);
    }

    public async Task DisposeAsync() => await _proxy.DisposeAsync();

    private async Task<Socket> ConnectAsync(string authority, string? host = null)
    {
        var socket = await _proxy.ConnectRawAsync();
        await socket.SendAsync(Encoding.ASCII.GetBytes($"CONNECT {authority} HTTP/1.1\r\nHost: {host ?? authority}\r\n\r\n"), SocketFlags.None);
        var (head, _) = await RawIo.ReadHeadAsync(socket, TimeSpan.FromSeconds(10));
        Assert.StartsWith("HTTP/1.1 200 Connection Established", head);
        return socket;
    }

    private static async Task<SslStream> HandshakeAsync(Socket socket, string targetHost)
    {
        var tls = new SslStream(new NetworkStream(socket, ownsSocket: true), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(targetHost).WaitAsync(TimeSpan.FromSeconds(10));
        return tls;
    }

    private static async Task AssertEchoAsync(SslStream tls, string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        await tls.WriteAsync(bytes);
        var back = new byte[bytes.Length];
        await tls.ReadExactlyAsync(back).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(text, Encoding.ASCII.GetString(back));
    }

    [Fact]
    public async Task A_TLS_session_runs_end_to_end_through_the_tunnel_with_its_SNI_untouched_SC006()
    {
        await using var upstream = new TlsUpstream();
        await using var tls = await HandshakeAsync(await ConnectAsync($"upstream.test:{upstream.Port}"), "upstream.test");
        await AssertEchoAsync(tls, "hello through the tunnel");
        Assert.Equal(["upstream.test"], upstream.ServerNames);
        Assert.Equal("CN=upstream.test", tls.RemoteCertificate!.Subject);
    }

    [Fact]
    public async Task An_SNI_that_a_rule_blocks_closes_the_tunnel_before_any_client_byte_reaches_the_upstream_SC003()
    {
        await using var upstream = new RawUpstream(async (socket, self) => await self.ReadToEndAsync(socket));
        using var socket = await ConnectAsync($"cdn.test:{upstream.Port}");
        var handshake = HandshakeAsync(socket, "fronted.test");
        await Assert.ThrowsAnyAsync<Exception>(() => handshake);
        await upstream.FirstConnectionEnded.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Empty(upstream.Received);
        await _proxy.Log.WaitForLineAsync(l => l.Contains("\"ServerName\":\"fronted.test\"") && l.Contains("block-fronted"));
    }

    [Fact]
    public async Task An_SNI_that_differs_but_is_allowed_is_judged_again_and_tunnelled()
    {
        await using var upstream = new TlsUpstream();
        await using var tls = await HandshakeAsync(await ConnectAsync($"cdn.test:{upstream.Port}"), "sni-allowed.test");
        await AssertEchoAsync(tls, "allowed");
        Assert.Equal(["sni-allowed.test"], upstream.ServerNames);
    }

    [Fact]
    public async Task A_hello_without_SNI_to_an_IP_literal_is_judged_on_the_IP_EC001()
    {
        await using var upstream = new TlsUpstream();
        await using var tls = await HandshakeAsync(await ConnectAsync($"127.0.0.1:{upstream.Port}"), "127.0.0.1");
        await AssertEchoAsync(tls, "ip literal");
        Assert.Equal([""], upstream.ServerNames.Select(n => n ?? ""));
    }

    [Fact]
    public async Task A_refused_CONNECT_gets_403_no_upstream_connection_and_no_parsing_of_bytes_sent_ahead()
    {
        await using var upstream = new RawUpstream(async (socket, self) => await self.ReadToEndAsync(socket));
        var response = await _proxy.SendRawAsync(
            $"CONNECT denied.test:{upstream.Port} HTTP/1.1\r\nHost: denied.test:{upstream.Port}\r\n\r\n" +
            $"GET http://upstream.test:{upstream.Port}/ HTTP/1.1\r\nHost: upstream.test:{upstream.Port}\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 403", response);
        Assert.Equal(1, response.Split("HTTP/1.1").Length - 1);
        Assert.Equal(0, upstream.Connections);
    }

    [Fact]
    public async Task A_server_speaks_first_protocol_is_tunnelled_after_the_hello_wait_on_any_port_EC009()
    {
        await using var upstream = new RawUpstream(async (socket, self) =>
        {
            await socket.SendAsync("220 banner\r\n"u8.ToArray(), SocketFlags.None);
            await self.ReadToEndAsync(socket);
        });
        using var socket = await ConnectAsync($"upstream.test:{upstream.Port}");
        var banner = new byte[12];
        var read = 0;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (read < banner.Length) read += await socket.ReceiveAsync(banner.AsMemory(read), SocketFlags.None, deadline.Token);
        Assert.Equal("220 banner\r\n", Encoding.ASCII.GetString(banner));
    }

    [Fact]
    public async Task Bytes_sent_in_the_same_write_as_the_CONNECT_head_are_tunnelled_without_waiting_for_the_hello_timeout()
    {
        await using var patient = await ProxyHarness.StartAsync(Rules, "outcall.proxy.client-hello-timeout = 120s");
        await using var upstream = new RawUpstream(async (socket, self) =>
        {
            var buffer = new byte[64];
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None);
            self.Record(buffer.AsSpan(0, read));
            await socket.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
        });
        using var client = await patient.ConnectRawAsync();
        await client.SendAsync(Encoding.ASCII.GetBytes($"CONNECT 127.0.0.1:{upstream.Port} HTTP/1.1\r\nHost: 127.0.0.1:{upstream.Port}\r\n\r\nearly ping"),
            SocketFlags.None);

        // Well inside the 120 s hello timeout: the proxy judged the bytes it already had instead of waiting for more.
        var answer = await RawIo.ReadUntilCloseAsync(client, TimeSpan.FromSeconds(20));
        Assert.Equal("HTTP/1.1 200 Connection Established\r\n\r\nearly ping", answer);
        Assert.Equal("early ping", Encoding.ASCII.GetString(upstream.Received));
    }

    [Fact]
    public async Task A_client_that_half_closes_after_its_request_still_gets_the_whole_response()
    {
        var response = HttpUpstream.Pattern(256 * 1024);
        await using var upstream = new RawUpstream(async (socket, self) =>
        {
            var request = await self.ReadToEndAsync(socket);
            Assert.Equal("not tls, just bytes", Encoding.ASCII.GetString(request));
            await socket.SendAsync(response, SocketFlags.None);
            socket.Shutdown(SocketShutdown.Send);
        });
        using var socket = await ConnectAsync($"upstream.test:{upstream.Port}");
        await socket.SendAsync("not tls, just bytes"u8.ToArray(), SocketFlags.None);
        socket.Shutdown(SocketShutdown.Send);
        var received = await RawIo.ReadBytesUntilCloseAsync(socket, TimeSpan.FromSeconds(10));
        Assert.Equal(response, received);
    }

    [Fact]
    public async Task A_client_disconnecting_mid_tunnel_closes_the_upstream_EC004()
    {
        await using var upstream = new RawUpstream(async (socket, self) => await self.ReadToEndAsync(socket));
        var socket = await ConnectAsync($"upstream.test:{upstream.Port}");
        await socket.SendAsync("\u0001partial"u8.ToArray(), SocketFlags.None);
        await upstream.FirstBytesReceived.WaitAsync(TimeSpan.FromSeconds(10));
        socket.Close(0);
        await upstream.FirstConnectionEnded.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task An_upstream_disconnecting_mid_tunnel_closes_the_client_EC005()
    {
        await using var upstream = new RawUpstream(async (socket, _) =>
        {
            // Once a byte has crossed the tunnel the upstream answers and drops the connection.
            await socket.ReceiveAsync(new byte[1], SocketFlags.None);
            await socket.SendAsync("bye"u8.ToArray(), SocketFlags.None);
            socket.Close(0);
        });
        using var socket = await ConnectAsync($"upstream.test:{upstream.Port}");
        await socket.SendAsync("\u0001"u8.ToArray(), SocketFlags.None);
        var received = await RawIo.ReadBytesUntilCloseAsync(socket, TimeSpan.FromSeconds(10));
        Assert.Equal("bye", Encoding.ASCII.GetString(received));
    }

    [Fact]
    public async Task A_tunnel_silent_in_both_directions_for_the_idle_timeout_is_closed_on_both_sides_FR011()
    {
        await using var upstream = new RawUpstream(async (socket, self) => await self.ReadToEndAsync(socket));
        using var socket = await ConnectAsync($"upstream.test:{upstream.Port}");
        // idle-timeout is 2s here; the hello wait (500ms) passes first, then the tunnel idles out.
        await RawIo.ReadBytesUntilCloseAsync(socket, TimeSpan.FromSeconds(15));
        await upstream.FirstConnectionEnded.WaitAsync(TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task CONNECT_with_a_Host_field_without_the_port_is_accepted()
    {
        await using var upstream = new TlsUpstream();
        await using var tls = await HandshakeAsync(await ConnectAsync($"upstream.test:{upstream.Port}", "upstream.test"), "upstream.test");
        await AssertEchoAsync(tls, "host without port");
    }

    [Fact]
    public async Task An_IPv6_literal_authority_is_split_after_the_bracket_and_tunnelled()
    {
        using var listener = new TcpListener(IPAddress.IPv6Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var accepted = listener.AcceptSocketAsync();
        using var socket = await ConnectAsync($"[::1]:{port}");
        await socket.SendAsync("v6"u8.ToArray(), SocketFlags.None);
        using var upstream = await accepted.WaitAsync(TimeSpan.FromSeconds(10));
        var buffer = new byte[2];
        var read = 0;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (read < 2) read += await upstream.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, deadline.Token);
        Assert.Equal("v6", Encoding.ASCII.GetString(buffer));
    }
}
