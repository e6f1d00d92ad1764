using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Outcall.Http;

namespace Outcall.Proxy;

public enum ProxyCredentialStatus { Absent, Invalid, Valid }

/// <summary>What a request's Proxy-Authorization proved: nothing sent, a wrong credential, or the agent it names.</summary>
public readonly record struct ProxyCredential(ProxyCredentialStatus Status, string Agent)
{
    public static readonly ProxyCredential Absent = new(ProxyCredentialStatus.Absent, "");
    public static readonly ProxyCredential Invalid = new(ProxyCredentialStatus.Invalid, "");
}

/// <summary>
/// Checks `Proxy-Authorization: Basic base64(agent:token)` (RFC 7617) against the configured agent
/// tokens (S006 FR-014, generation A). Pure: no actor, no I/O, nothing logged. The token is compared as a
/// salted digest in constant time; an unknown agent costs the same digest, and the decoded credential
/// is wiped before the buffer goes back to the pool. More than one Proxy-Authorization field is invalid:
/// which of them would be meant is exactly the kind of ambiguity a proxy must not guess at.
/// </summary>
public sealed class ProxyAuthenticator
{
    /// <summary>The realm of our challenge: `Proxy-Authenticate: Basic realm="outcall"`.</summary>
    public const string Realm = "outcall";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // Compared against when the agent is unknown, so the answer takes as long as for a known one.
    private static readonly AgentToken Decoy = AgentToken.Parse(Convert.ToHexString(RandomNumberGenerator.GetBytes(16)), "decoy");

    private readonly Dictionary<string, AgentToken> _tokens;

    public ProxyAuthenticator(IReadOnlyDictionary<string, AgentToken> tokens) =>
        _tokens = new Dictionary<string, AgentToken>(tokens, StringComparer.Ordinal);

    /// <summary>Whether any agent has a token: without one there is nothing to check and the field is ignored.</summary>
    public bool HasTokens => _tokens.Count > 0;

    /// <summary>The Proxy-Authorization fields of a request head, judged.</summary>
    public ProxyCredential Authenticate(IReadOnlyList<HeaderField> headers)
    {
        string? value = null;
        foreach (var field in headers)
        {
            if (!field.Name.Equals("Proxy-Authorization", StringComparison.OrdinalIgnoreCase)) continue;
            if (value is not null) return ProxyCredential.Invalid;
            value = field.Value;
        }
        return value is null ? ProxyCredential.Absent : Check(value);
    }

    /// <summary>One Proxy-Authorization value: the Basic scheme (any case), one token68 of base64 after it.</summary>
    public ProxyCredential Check(string value)
    {
        var text = value.AsSpan().Trim(" \t");
        var gap = text.IndexOfAny(' ', '\t');
        if (gap < 0 || !text[..gap].Equals("Basic", StringComparison.OrdinalIgnoreCase)) return ProxyCredential.Invalid;
        var encoded = text[gap..].TrimStart(" \t");
        if (encoded.IsEmpty || encoded.ContainsAny(' ', '\t')) return ProxyCredential.Invalid;
        var buffer = ArrayPool<byte>.Shared.Rent(encoded.Length);
        var length = 0;
        try
        {
            if (!Convert.TryFromBase64Chars(encoded, buffer, out length)) return ProxyCredential.Invalid;
            return CheckDecoded(buffer.AsSpan(0, length));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer.AsSpan(0, length));
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private ProxyCredential CheckDecoded(ReadOnlySpan<byte> credential)
    {
        var colon = credential.IndexOf((byte)':');
        if (colon <= 0) return ProxyCredential.Invalid;
        var token = credential[(colon + 1)..];
        string agent;
        try
        {
            agent = StrictUtf8.GetString(credential[..colon]);
        }
        catch (DecoderFallbackException)
        {
            Decoy.Matches(token);
            return ProxyCredential.Invalid;
        }
        if (_tokens.TryGetValue(agent, out var expected))
            return expected.Matches(token) ? new ProxyCredential(ProxyCredentialStatus.Valid, agent) : ProxyCredential.Invalid;
        Decoy.Matches(token);
        return ProxyCredential.Invalid;
    }
}
