using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Outcall.Tls;
using static Outcall.Tests.Tls.HelloBytes;

namespace Outcall.Tests.Tls;

/// <summary>Peeking the SNI of a ClientHello (FR-005, EC-001, SC-003), on real and hand-built hellos.</summary>
public class ClientHelloReaderSpecs
{
    private const int PeekLimit = 16 * 1024;

    private static ClientHelloResult Read(byte[] bytes, int maxBytes = PeekLimit) => ClientHelloReader.TryRead(bytes, maxBytes);

    [Fact]
    public async Task A_real_SslStream_hello_yields_its_server_name()
    {
        var result = Read(await CaptureAsync("example.com"));
        Assert.Equal(new ClientHelloResult(ClientHelloStatus.Parsed, "example.com", null), result);
    }

    [Fact]
    public async Task The_server_name_is_lowercased()
    {
        var result = Read(await CaptureAsync("Api.Example.COM"));
        Assert.Equal((ClientHelloStatus.Parsed, "api.example.com"), (result.Status, result.ServerName));
    }

    [Fact]
    public void A_host_name_with_one_trailing_dot_is_read_in_canonical_form()
    {
        Assert.Equal(new ClientHelloResult(ClientHelloStatus.Parsed, "a.example", null), Read(Hello(ServerName("A.Example."))));
    }

    [Theory]
    [InlineData("10.0.0.1", "10.0.0.1")]
    [InlineData("127.0.0.1.", "127.0.0.1")]
    [InlineData("::1", "::1")]
    public void An_IP_literal_host_name_as_Node_clients_send_it_is_read_for_judging_as_that_address(string sent, string read)
    {
        Assert.Equal(new ClientHelloResult(ClientHelloStatus.Parsed, read, null), Read(Hello(ServerName(sent))));
    }

    [Fact]
    public async Task A_real_hello_to_an_IP_target_has_no_server_name_EC001()
    {
        var result = Read(await CaptureAsync("127.0.0.1"));
        Assert.Equal(new ClientHelloResult(ClientHelloStatus.Parsed, null, null), result);
    }

    [Fact]
    public async Task A_real_hello_fed_byte_by_byte_needs_more_until_its_last_byte()
    {
        var hello = await CaptureAsync("example.com");
        for (var length = 0; length < hello.Length; length++)
            Assert.Equal(ClientHelloStatus.NeedMoreData, ClientHelloReader.TryRead(hello.AsSpan(0, length), PeekLimit).Status);
        Assert.Equal("example.com", Read(hello).ServerName);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(100)]
    public async Task A_hello_spanning_several_records_is_reassembled(int recordSize)
    {
        var reframed = Reframe(await CaptureAsync("example.com"), recordSize);
        Assert.Equal((ClientHelloStatus.Parsed, "example.com"), (Read(reframed).Status, Read(reframed).ServerName));
    }

    [Fact]
    public async Task A_reframed_hello_fed_byte_by_byte_needs_more_until_its_last_byte()
    {
        var reframed = Reframe(await CaptureAsync("example.com"), 50);
        for (var length = 0; length < reframed.Length; length++)
            Assert.Equal(ClientHelloStatus.NeedMoreData, ClientHelloReader.TryRead(reframed.AsSpan(0, length), PeekLimit).Status);
        Assert.Equal("example.com", Read(reframed).ServerName);
    }

    [Fact]
    public async Task A_truncated_hello_at_the_peek_limit_is_malformed()
    {
        var hello = await CaptureAsync("example.com");
        var result = ClientHelloReader.TryRead(hello.AsSpan(0, hello.Length - 1), hello.Length - 1);
        Assert.Equal(ClientHelloStatus.Malformed, result.Status);
    }

    [Fact]
    public async Task A_hello_larger_than_the_peek_limit_is_malformed_at_once()
    {
        var hello = await CaptureAsync("example.com");
        Assert.Equal(ClientHelloStatus.Malformed, ClientHelloReader.TryRead(hello.AsSpan(0, 20), hello.Length - 1).Status);
    }

    [Fact]
    public async Task Bytes_after_the_hello_do_not_matter()
    {
        var hello = await CaptureAsync("example.com");
        Assert.Equal("example.com", Read([.. hello, 0x17, 0x03, 0x03, 0x00]).ServerName);
    }

    [Fact]
    public void A_hand_built_hello_with_SNI_is_parsed() =>
        Assert.Equal(new ClientHelloResult(ClientHelloStatus.Parsed, "a.example", null), Read(Hello(Extension(0x2b, [0x02, 0x03, 0x04]), ServerName("a.example"))));

    [Fact]
    public void A_hello_without_extensions_has_no_server_name() =>
        Assert.Equal(new ClientHelloResult(ClientHelloStatus.Parsed, null, null), Read(Record(Handshake(HelloBody(null)))));

    [Theory]
    [InlineData(new byte[] { 0x47, 0x45, 0x54, 0x20 })]
    [InlineData(new byte[] { 0x00 })]
    [InlineData(new byte[] { 0x80, 0x2e, 0x01 })]
    [InlineData(new byte[] { 0x17, 0x03, 0x03 })]
    public void A_first_byte_other_than_handshake_is_not_TLS(byte[] bytes) =>
        Assert.Equal(ClientHelloStatus.NotTls, Read(bytes).Status);

    [Fact]
    public void No_bytes_yet_needs_more_data() => Assert.Equal(ClientHelloStatus.NeedMoreData, Read([]).Status);

    public static TheoryData<string, byte[]> Lying => new()
    {
        { "record version 2.0", [0x16, 0x02, 0x00, 0x00, 0x10] },
        { "record version 3.5", [0x16, 0x03, 0x05] },
        { "record length 0", [0x16, 0x03, 0x01, 0x00, 0x00] },
        { "record length above 2^14+2048", [0x16, 0x03, 0x01, 0x48, 0x01] },
        { "handshake type ServerHello", Record(Handshake(HelloBody(null), type: 0x02)) },
        { "alert record in the middle", [.. Record(Handshake(HelloBody(null))[..9]), .. Record([0x02, 0x28], type: 0x15)] },
        { "legacy_version 2.0", Record(Handshake([0x02, 0x00, .. HelloBody(null)[2..]])) },
        { "truncated random", Record(Handshake([0x03, 0x03, 0x00])) },
        { "session id longer than 32", Record(Handshake([0x03, 0x03, .. new byte[32], 33, .. new byte[33], 0x00, 0x02, 0x13, 0x01, 0x01, 0x00])) },
        { "session id length beyond the message", Record(Handshake([0x03, 0x03, .. new byte[32], 20])) },
        { "odd cipher suite length", Record(Handshake([0x03, 0x03, .. new byte[32], 0x00, 0x00, 0x03, 0x13, 0x01, 0x00, 0x01, 0x00])) },
        { "no cipher suites", Record(Handshake([0x03, 0x03, .. new byte[32], 0x00, 0x00, 0x00, 0x01, 0x00])) },
        { "no compression methods", Record(Handshake([0x03, 0x03, .. new byte[32], 0x00, 0x00, 0x02, 0x13, 0x01, 0x00])) },
        { "extensions length beyond the message", Record(Handshake([.. HelloBody(null), 0x00, 0x10, 0x00, 0x00])) },
        { "extensions length short of the message", Record(Handshake([.. HelloBody(null), 0x00, 0x00, 0x00, 0x00])) },
        { "single stray byte after compression", Record(Handshake([.. HelloBody(null), 0x00])) },
        { "extension data beyond the block", Hello([0x00, 0x2b, 0x00, 0x09, 0x02]) },
        { "truncated extension header", Hello([0x00]) },
        { "duplicate extension", Hello(Extension(0x2b, [0x02, 0x03, 0x04]), Extension(0x2b, [0x02, 0x03, 0x04])) },
        { "two server_name extensions", Hello(ServerName("a.example"), ServerName("b.example")) },
        { "two host_names", Hello(ServerName("a.example", "b.example")) },
        { "empty server name list", Hello(Extension(0, Vector16([]))) },
        { "server name list longer than the extension", Hello(Extension(0, [0x00, 0x20, 0x00, 0x00, 0x01, 0x61])) },
        { "server name list shorter than the extension", Hello(Extension(0, [0x00, 0x04, 0x00, 0x00, 0x01, 0x61, 0x00])) },
        { "host_name length beyond the list", Hello(Extension(0, Vector16([0x00, 0x00, 0x09, 0x61]))) },
        { "unknown name type", Hello(Extension(0, Vector16([0x01, 0x00, 0x01, 0x61]))) },
        { "empty host_name", Hello(ServerName("")) },
        { "host_name with a NUL", Hello(ServerName("a.example\0.evil")) },
        { "host_name with two trailing dots", Hello(ServerName("a.example..")) },
        { "host_name that is only a dot", Hello(ServerName(".")) },
        { "host_name that looks numeric but is no address", Hello(ServerName("1.2.3.4.5")) },
        { "host_name that is a bracketed IPv6 literal", Hello(ServerName("[::1]")) },
        { "host_name with a space", Hello(ServerName("a example")) },
        { "host_name with UTF-8", Hello(ServerName("b\xc3\xbccher.example")) },
        { "host_name with a port", Hello(ServerName("a.example:443")) },
        { "host_name longer than 253", Hello(ServerName(string.Join('.', Enumerable.Repeat(new string('a', 63), 4)) + ".com")) },
    };

    [Theory]
    [MemberData(nameof(Lying))]
    public void A_hello_whose_structure_or_lengths_lie_is_malformed(string description, byte[] bytes)
    {
        var result = Read(bytes);
        Assert.True(result.Status == ClientHelloStatus.Malformed, $"{description}: got {result.Status}");
        Assert.False(string.IsNullOrEmpty(result.Error));
    }

    [Fact]
    public void A_handshake_length_beyond_the_records_needs_more_then_is_malformed_at_the_limit()
    {
        var lying = Record([0x01, 0x00, 0x10, 0x00, .. HelloBody(null)]);
        Assert.Equal(ClientHelloStatus.NeedMoreData, Read(lying).Status);
        Assert.Equal(ClientHelloStatus.Malformed, Read(lying, lying.Length).Status);
    }

    [Fact]
    public void A_handshake_that_cannot_fit_the_limit_is_malformed_before_it_arrives() =>
        Assert.Equal(ClientHelloStatus.Malformed, Read([0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0x00, 0x80, 0x00]).Status);

    [Property(MaxTest = 500)]
    public Property Arbitrary_bytes_never_throw() =>
        Prop.ForAll(
            Gen.OneOf(
                Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b)).Select(rest => (byte[])[0x16, 0x03, 0x01, .. rest]),
                Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b)),
                Gen.Zip(Gen.Choose(0, 200), Gen.Choose(0, 255)).Select(edit =>
                {
                    var hello = Hello(ServerName("a.example"));
                    hello[edit.Item1 % hello.Length] = (byte)edit.Item2;
                    return hello;
                })).ToArbitrary(),
            bytes =>
            {
                var result = ClientHelloReader.TryRead(bytes, 512);
                return Enum.IsDefined(result.Status) && (result.Status != ClientHelloStatus.Malformed || result.Error is not null);
            });
}
