// CONTRACT FILE: the public surface of the ClientHello reader, relied on by Proxy/.
// Pure code: no actors, no sockets. Keep these names and signatures.
// ClientHelloReader lives in ClientHelloReader.cs.
namespace Outcall.Tls;

public enum ClientHelloStatus { NeedMoreData, Parsed, NotTls, Malformed }

/// <summary>ServerName is null when a well-formed ClientHello carries no server_name (EC-001).</summary>
public readonly record struct ClientHelloResult(ClientHelloStatus Status, string? ServerName, string? Error);
