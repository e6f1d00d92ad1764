using System.Security.Cryptography;
using System.Text;
using Akka.Configuration;

namespace Outcall.Host.Admin;

/// <summary>
/// `outcall.admin.token` (S010 local UI on a shared host): a secret of at least 256 bits that every admin request
/// but the page's own files and /ready must present. Compared in constant time; its text never appears in
/// <see cref="ToString"/>, so no log line or record print can carry it.
/// </summary>
public sealed class AdminToken
{
    public const string Key = "outcall.admin.token";
    public const int MinimumBits = 256;

    private readonly byte[] _digest;

    private AdminToken(string value)
    {
        Value = value;
        _digest = SHA256.HashData(Encoding.UTF8.GetBytes(value));
    }

    /// <summary>The secret, for the CLI to send; nothing else reads it.</summary>
    internal string Value { get; }

    /// <summary>
    /// The configured token, or null for "". Hex digits count 4 bits each and base64 or base64url characters 6
    /// (`openssl rand -hex 32` gives 64 hex digits); anything shorter or in another alphabet is refused naming the key.
    /// </summary>
    public static AdminToken? Parse(string text)
    {
        if (text.Length == 0) return null;
        var bits = text.All(char.IsAsciiHexDigit) ? 4 * text.Length
            : text.TrimEnd('=').All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '-' or '_') ? 6 * text.TrimEnd('=').Length
            : throw new ConfigurationException($"{Key} must be hex digits or base64 (e.g. the output of `openssl rand -hex 32`)");
        if (bits < MinimumBits)
            throw new ConfigurationException($"{Key} is too short: {bits} bits, at least {MinimumBits} needed (64 hex digits, e.g. `openssl rand -hex 32`)");
        return new AdminToken(text);
    }

    /// <summary>
    /// Compares digests with <see cref="CryptographicOperations.FixedTimeEquals"/>: the time taken tells neither how
    /// much of the candidate matched nor the token's length.
    /// </summary>
    public bool Matches(string candidate) => CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(candidate)), _digest);

    public override string ToString() => "(admin token)";
}
