// CONTRACT FILE: the public surface of the ClientHello reader, relied on by Proxy/.
// Pure code: no actors, no sockets. Keep these names and signatures.
namespace Outcall.Tls;

public enum ClientHelloStatus { NeedMoreData, Parsed, NotTls, Malformed }

/// <summary>ServerName is null when a well-formed ClientHello carries no server_name (EC-001).</summary>
public readonly record struct ClientHelloResult(ClientHelloStatus Status, string? ServerName, string? Error);

public static class ClientHelloReader
{
    /// <summary>
    /// Looks at the bytes a client sent after the CONNECT 200 without consuming them (FR-005). The
    /// handshake message may span several TLS records and arrive in many segments; more than
    /// <paramref name="maxBytes"/> without a complete ClientHello is Malformed. The first byte not 0x16
    /// is NotTls. A host_name SNI is returned lowercased; an SNI that is not a valid DNS name is Malformed.
    /// </summary>
    public static ClientHelloResult TryRead(ReadOnlySpan<byte> buffer, int maxBytes) => throw new NotImplementedException();
}
