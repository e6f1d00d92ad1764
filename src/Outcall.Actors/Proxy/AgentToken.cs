using System.Security.Cryptography;
using System.Text;
using Akka.Configuration;

namespace Outcall.Proxy;

/// <summary>
/// One agent's proxy credential from `outcall.identity.tokens`: either the token itself, or
/// `sha256:SALT:HEX` where HEX is the SHA-256 of the UTF-8 bytes of SALT followed by the token's
/// (`printf '%s%s' "$SALT" "$TOKEN" | sha256sum`), so the configuration need not hold the secret.
/// Either way only a salted digest is compared, in constant time: a plain token gets a random salt
/// when loaded, so a wrong guess costs the same whatever its length or how much of it matched.
/// </summary>
public sealed class AgentToken
{
    public const string HashPrefix = "sha256:";

    private readonly byte[] _salt;
    private readonly byte[] _digest;

    /// <summary>The token as configured, or null for a hashed one (which cannot be turned back into a token).</summary>
    public string? PlainText { get; }

    private AgentToken(byte[] salt, byte[] digest, string? plainText)
    {
        _salt = salt;
        _digest = digest;
        PlainText = plainText;
    }

    /// <summary>Reads a configured value; <paramref name="key"/> names it in errors (which never repeat the value).</summary>
    public static AgentToken Parse(string value, string key)
    {
        if (string.IsNullOrEmpty(value)) throw new ConfigurationException($"{key}: the token is empty");
        if (!value.StartsWith(HashPrefix, StringComparison.Ordinal))
        {
            var salt = RandomNumberGenerator.GetBytes(16);
            return new AgentToken(salt, Digest(salt, Encoding.UTF8.GetBytes(value)), value);
        }
        var parts = value[HashPrefix.Length..].Split(':');
        if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length != 64 || !IsHex(parts[1]))
            throw new ConfigurationException($"{key}: a hashed token must be sha256:SALT:HEX, with a non-empty SALT without ':' and HEX the 64 hex digits of SHA-256(SALT + token)");
        return new AgentToken(Encoding.UTF8.GetBytes(parts[0]), Convert.FromHexString(parts[1]), null);
    }

    /// <summary>Whether the presented token bytes are this token; constant time in the token's content.</summary>
    public bool Matches(ReadOnlySpan<byte> presented) => CryptographicOperations.FixedTimeEquals(Digest(_salt, presented), _digest);

    private static byte[] Digest(byte[] salt, ReadOnlySpan<byte> token)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(salt);
        hash.AppendData(token);
        return hash.GetHashAndReset();
    }

    private static bool IsHex(string text)
    {
        foreach (var c in text)
            if (!char.IsAsciiHexDigit(c)) return false;
        return true;
    }

    public override string ToString() => PlainText is null ? "AgentToken(hashed)" : "AgentToken(plain)";
}
