namespace Outcall.Tls;

/// <summary>What to do with a CONNECT tunnel after looking at the client's first bytes (FR-005).</summary>
public enum HelloAction
{
    /// <summary>No whole ClientHello yet and room and time to wait for it: read more.</summary>
    ReadMore,
    /// <summary>The CONNECT verdict stands: no SNI, the SNI names the CONNECT host, or not TLS at all (EC-001).</summary>
    Tunnel,
    /// <summary>The SNI names another host: judge the tunnel again by <see cref="HelloDecision.ServerName"/> (SC-003).</summary>
    JudgeServerName,
    /// <summary>A TLS hello that cannot be checked: close the tunnel before the upstream sees a byte.</summary>
    Close,
}

/// <param name="ServerName">The name to judge, for <see cref="HelloAction.JudgeServerName"/>.</param>
/// <param name="Problem">Why, for <see cref="HelloAction.Close"/>.</param>
public readonly record struct HelloDecision(HelloAction Action, string? ServerName = null, string? Problem = null);

/// <summary>
/// The SNI policy of a CONNECT tunnel, on the bytes the client sent after the 200: pure, so the
/// connection actor only carries out what it says. A hello that cannot be checked closes the tunnel
/// (fail closed); a client that sends nothing, or a protocol that is not TLS, keeps the CONNECT verdict.
/// </summary>
public static class ServerNameDecision
{
    /// <param name="buffered">Every byte the client sent after the CONNECT head, none consumed.</param>
    /// <param name="connectHost">The host the CONNECT named (what the first verdict judged).</param>
    /// <param name="canReadMore">Room in the peek buffer and the hello timeout not yet reached.</param>
    public static HelloDecision OnBytes(ReadOnlySpan<byte> buffered, string connectHost, int maxBytes, bool canReadMore)
    {
        var hello = ClientHelloReader.TryRead(buffered, maxBytes);
        return hello.Status switch
        {
            ClientHelloStatus.NeedMoreData when canReadMore => new HelloDecision(HelloAction.ReadMore),
            ClientHelloStatus.NeedMoreData => Close("ClientHello incomplete within the peek bounds"),
            ClientHelloStatus.Malformed => Close($"malformed ClientHello ({hello.Error})"),
            ClientHelloStatus.Parsed => ByServerName(hello.ServerName, connectHost),
            _ => new HelloDecision(HelloAction.Tunnel),
        };
    }

    /// <summary>
    /// The client closed its sending side before a whole hello. Having said nothing (or nothing TLS), the
    /// authority stands; part of a hello cannot be checked, so it never reaches the upstream.
    /// </summary>
    public static HelloDecision OnClientClosed(ReadOnlySpan<byte> buffered, int maxBytes) =>
        !buffered.IsEmpty && ClientHelloReader.TryRead(buffered, maxBytes).Status != ClientHelloStatus.NotTls
            ? Close("client closed before its ClientHello was complete")
            : new HelloDecision(HelloAction.Tunnel);

    /// <summary>The hello timeout passed without a whole ClientHello.</summary>
    public static HelloDecision OnTimeout(ReadOnlySpan<byte> buffered, int maxBytes)
    {
        // Bytes of a TLS record were seen but no whole hello: its SNI cannot be checked, so fail closed.
        if (!buffered.IsEmpty && ClientHelloReader.TryRead(buffered, maxBytes).Status != ClientHelloStatus.NotTls)
            return Close("ClientHello not complete within the client-hello timeout");
        // A server-speaks-first protocol (or a silent client): the CONNECT authority stands (EC-001).
        return new HelloDecision(HelloAction.Tunnel);
    }

    /// <summary>An SNI naming the CONNECT host (the same name, or the same IP literal) is no new name: the CONNECT verdict stands.</summary>
    private static HelloDecision ByServerName(string? serverName, string connectHost) =>
        serverName is null || ServerNames.NamesHost(serverName, connectHost)
            ? new HelloDecision(HelloAction.Tunnel)
            // FR-005 / SC-003: an SNI other than the CONNECT host is judged on its own; fronting is refused unless a rule allows it.
            : new HelloDecision(HelloAction.JudgeServerName, serverName);

    private static HelloDecision Close(string problem) => new(HelloAction.Close, Problem: problem);
}
