using System.Text;
using Outcall.Http;

namespace Outcall.Intercept;

/// <summary>How a request travels past the proxy, which decides whether a secret may be put into it.</summary>
public enum SecretCarrier
{
    /// <summary>Inside an intercepted tunnel: the upstream hop is TLS the proxy verified for the destination.</summary>
    VerifiedTls,
    /// <summary>A plain http:// request: only a secret with allow-plaintext may go.</summary>
    Plaintext,
    /// <summary>A CONNECT tunnel the proxy does not see into: no secret can be put in, a placeholder is refused.</summary>
    Opaque,
}

/// <summary>The request's header fields with every bound placeholder replaced (the same list when none), or why it is refused.</summary>
public readonly record struct SecretSubstitutionResult(IReadOnlyList<HeaderField> Headers, string? Refusal)
{
    public bool Refused => Refusal is not null;
}

/// <summary>
/// Puts secrets into a request on its way out (issue 14): a placeholder <c>outcall-secret-&lt;name&gt;</c> in a
/// header value, or inside <c>Authorization: Basic base64(user:placeholder)</c>, becomes the secret when the
/// destination is one of the secret's hosts and the hop is verified TLS (or plain HTTP where the secret allows
/// it). Anything else carrying a placeholder is refused: another host, a tunnel the proxy cannot see into, a
/// TRACE (its response would echo the secret). Run after the verdict, so rules only ever see placeholders.
/// Pure; the refusal text names the secret, never its value.
/// </summary>
public static class SecretSubstitution
{
    public static SecretSubstitutionResult Apply(SecretsSettings secrets, IReadOnlyList<HeaderField> headers, string method, string destinationHost, SecretCarrier carrier)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        ArgumentNullException.ThrowIfNull(headers);
        if (secrets.IsEmpty) return new SecretSubstitutionResult(headers, null);
        HeaderField[]? replaced = null;
        for (var i = 0; i < headers.Count; i++)
        {
            var field = headers[i];
            string? value;
            try
            {
                value = Substitute(secrets, field, method, destinationHost, carrier);
            }
            catch (RefusedException refused)
            {
                return new SecretSubstitutionResult(headers, refused.Message);
            }
            if (value is null) continue;
            replaced ??= headers.ToArray();
            replaced[i] = field with { Value = value };
        }
        return new SecretSubstitutionResult(replaced ?? headers, null);
    }

    /// <summary>The refusal of a placeholder on its way to a host it is not bound to (403, logged at warning).</summary>
    public static string UnboundRefusal(string name) => $"secret placeholder for '{name}' sent to an unbound host";

    /// <summary>The field's new value, or null when it carries no placeholder.</summary>
    private static string? Substitute(SecretsSettings secrets, HeaderField field, string method, string host, SecretCarrier carrier)
    {
        var direct = ReplaceIn(secrets, field.Value, method, host, carrier);
        if (direct is not null) return direct;
        if (!MessageFields.Is(field, "Authorization") || !TryBasic(field.Value, out var scheme, out var credentials)) return null;
        var decoded = ReplaceIn(secrets, credentials, method, host, carrier);
        return decoded is null ? null : scheme + Convert.ToBase64String(Encoding.UTF8.GetBytes(decoded));
    }

    /// <summary>The text with its placeholders replaced, or null when it has none (names no secret is configured for are left alone).</summary>
    private static string? ReplaceIn(SecretsSettings secrets, string text, string method, string host, SecretCarrier carrier)
    {
        StringBuilder? result = null;
        var copied = 0;
        var at = text.IndexOf(Secret.PlaceholderPrefix, StringComparison.Ordinal);
        while (at >= 0)
        {
            var nameStart = at + Secret.PlaceholderPrefix.Length;
            var nameEnd = nameStart;
            while (nameEnd < text.Length && SecretsSettings.IsNameChar(text[nameEnd])) nameEnd++;
            var startsToken = at == 0 || !SecretsSettings.IsNameChar(text[at - 1]);
            if (startsToken && secrets.Find(text.AsSpan(nameStart, nameEnd - nameStart)) is { } secret)
            {
                Check(secret, method, host, carrier);
                result ??= new StringBuilder(text.Length + secret.Value.Length);
                result.Append(text, copied, at - copied).Append(secret.Value);
                copied = nameEnd;
            }
            at = text.IndexOf(Secret.PlaceholderPrefix, nameEnd, StringComparison.Ordinal);
        }
        return result?.Append(text, copied, text.Length - copied).ToString();
    }

    private static void Check(Secret secret, string method, string host, SecretCarrier carrier)
    {
        if (method.Equals("TRACE", StringComparison.OrdinalIgnoreCase))
            throw new RefusedException($"secret placeholder for '{secret.Name}' in a TRACE request (its response would echo the secret)");
        if (carrier == SecretCarrier.Opaque || !secret.IsBoundTo(host)) throw new RefusedException(UnboundRefusal(secret.Name));
        if (carrier == SecretCarrier.Plaintext && !secret.AllowPlaintext)
            throw new RefusedException($"secret placeholder for '{secret.Name}' on plain http:// (the secret says allow-plaintext = off)");
    }

    /// <summary>"Basic" credentials decoded as text (RFC 7617); false for other schemes or invalid base64.</summary>
    private static bool TryBasic(string value, out string scheme, out string credentials)
    {
        scheme = credentials = "";
        var space = value.IndexOf(' ');
        if (space <= 0 || !value.AsSpan(0, space).Equals("Basic", StringComparison.OrdinalIgnoreCase)) return false;
        var token = value.AsSpan(space + 1).Trim(' ');
        var bytes = new byte[(token.Length * 3 + 3) / 4];
        if (!Convert.TryFromBase64Chars(token, bytes, out var length)) return false;
        scheme = value[..(space + 1)];
        credentials = Encoding.UTF8.GetString(bytes, 0, length);
        return true;
    }

    private sealed class RefusedException(string message) : Exception(message);
}
