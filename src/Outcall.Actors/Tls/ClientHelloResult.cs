namespace Outcall.Tls;

public enum ClientHelloStatus { NeedMoreData, Parsed, NotTls, Malformed }

/// <summary>ServerName is null when a well-formed ClientHello carries no server_name (EC-001).</summary>
public readonly record struct ClientHelloResult(ClientHelloStatus Status, string? ServerName, string? Error);
