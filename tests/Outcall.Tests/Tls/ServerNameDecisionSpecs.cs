using Outcall.Tls;
using static Outcall.Tests.Tls.HelloBytes;

namespace Outcall.Tests.Tls;

/// <summary>The SNI policy of a CONNECT tunnel on the client's first bytes (FR-005, EC-001, SC-003), without sockets.</summary>
public class ServerNameDecisionSpecs
{
    private const int PeekLimit = 16 * 1024;

    private static HelloDecision OnBytes(byte[] bytes, string connectHost = "api.example.com", bool canReadMore = true) =>
        ServerNameDecision.OnBytes(bytes, connectHost, PeekLimit, canReadMore);

    [Fact]
    public void A_hello_naming_the_CONNECT_host_keeps_the_CONNECT_verdict_FR005()
    {
        Assert.Equal(new HelloDecision(HelloAction.Tunnel), OnBytes(Hello(ServerName("api.example.com"))));
    }

    [Fact]
    public void The_CONNECT_host_is_compared_without_regard_to_case()
    {
        Assert.Equal(HelloAction.Tunnel, OnBytes(Hello(ServerName("api.example.com")), connectHost: "API.Example.com").Action);
    }

    [Fact]
    public void A_hello_without_a_server_name_keeps_the_CONNECT_verdict_EC001()
    {
        Assert.Equal(HelloAction.Tunnel, OnBytes(Record(Handshake(HelloBody(null)))).Action);
    }

    [Fact]
    public void A_hello_naming_another_host_is_judged_again_by_that_name_SC003()
    {
        Assert.Equal(new HelloDecision(HelloAction.JudgeServerName, "fronted.example.org"), OnBytes(Hello(ServerName("fronted.example.org"))));
    }

    [Fact]
    public void Bytes_that_are_not_TLS_keep_the_CONNECT_verdict_EC001()
    {
        Assert.Equal(HelloAction.Tunnel, OnBytes("SSH-2.0-OpenSSH_9.6\r\n"u8.ToArray()).Action);
    }

    [Fact]
    public void Part_of_a_hello_with_room_and_time_left_reads_more()
    {
        var hello = Hello(ServerName("api.example.com"));
        Assert.Equal(HelloAction.ReadMore, OnBytes(hello[..20]).Action);
    }

    [Fact]
    public void Part_of_a_hello_with_no_room_or_time_left_closes_the_tunnel()
    {
        var hello = Hello(ServerName("api.example.com"));
        var decision = OnBytes(hello[..20], canReadMore: false);
        Assert.Equal(HelloAction.Close, decision.Action);
        Assert.Equal("ClientHello incomplete within the peek bounds", decision.Problem);
    }

    [Fact]
    public void A_malformed_hello_closes_the_tunnel_and_says_why()
    {
        var decision = OnBytes(Hello(ServerName("a.example", "b.example")));
        Assert.Equal(HelloAction.Close, decision.Action);
        Assert.Equal("malformed ClientHello (more than one host_name)", decision.Problem);
    }

    [Fact]
    public void A_client_closing_before_it_sent_anything_keeps_the_CONNECT_verdict()
    {
        Assert.Equal(HelloAction.Tunnel, ServerNameDecision.OnClientClosed([], PeekLimit).Action);
    }

    [Fact]
    public void A_client_closing_after_bytes_that_are_not_TLS_keeps_the_CONNECT_verdict()
    {
        Assert.Equal(HelloAction.Tunnel, ServerNameDecision.OnClientClosed("PING\r\n"u8.ToArray(), PeekLimit).Action);
    }

    [Fact]
    public void A_client_closing_inside_its_hello_closes_the_tunnel_the_part_cannot_be_checked()
    {
        var hello = Hello(ServerName("fronted.example.org"));
        var decision = ServerNameDecision.OnClientClosed(hello[..20], PeekLimit);
        Assert.Equal(new HelloDecision(HelloAction.Close, Problem: "client closed before its ClientHello was complete"), decision);
    }

    [Fact]
    public void An_SNI_that_is_the_CONNECT_IP_literal_keeps_the_CONNECT_verdict_as_no_SNI()
    {
        Assert.Equal(HelloAction.Tunnel, OnBytes(Hello(ServerName("127.0.0.1")), connectHost: "127.0.0.1").Action);
    }

    [Fact]
    public void An_SNI_that_is_the_CONNECT_IPv6_address_spelled_otherwise_keeps_the_CONNECT_verdict()
    {
        Assert.Equal(HelloAction.Tunnel, OnBytes(Hello(ServerName("0:0:0:0:0:0:0:1")), connectHost: "::1").Action);
    }

    [Fact]
    public void An_IP_literal_SNI_naming_another_address_is_judged_as_that_address()
    {
        Assert.Equal(new HelloDecision(HelloAction.JudgeServerName, "10.9.9.9"), OnBytes(Hello(ServerName("10.9.9.9")), connectHost: "127.0.0.1"));
    }

    [Fact]
    public void An_SNI_is_judged_in_canonical_form()
    {
        Assert.Equal(new HelloDecision(HelloAction.JudgeServerName, "fronted.example.org"), OnBytes(Hello(ServerName("Fronted.Example.ORG."))));
    }

    [Fact]
    public void The_CONNECT_host_with_a_trailing_dot_in_the_SNI_keeps_the_CONNECT_verdict()
    {
        Assert.Equal(HelloAction.Tunnel, OnBytes(Hello(ServerName("api.example.com."))).Action);
    }

    [Fact]
    public void A_timeout_with_part_of_a_hello_buffered_closes_the_tunnel()
    {
        var hello = Hello(ServerName("api.example.com"));
        var decision = ServerNameDecision.OnTimeout(hello[..20], PeekLimit);
        Assert.Equal(new HelloDecision(HelloAction.Close, Problem: "ClientHello not complete within the client-hello timeout"), decision);
    }

    [Fact]
    public void A_timeout_with_nothing_buffered_keeps_the_CONNECT_verdict_for_server_first_protocols_EC001()
    {
        Assert.Equal(HelloAction.Tunnel, ServerNameDecision.OnTimeout([], PeekLimit).Action);
    }

    [Fact]
    public void A_timeout_with_bytes_that_are_not_TLS_keeps_the_CONNECT_verdict()
    {
        Assert.Equal(HelloAction.Tunnel, ServerNameDecision.OnTimeout("GET / HTTP/1.1\r\n"u8.ToArray(), PeekLimit).Action);
    }
}
