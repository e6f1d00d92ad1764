using System.Text;

namespace Outcall.Http;

/// <summary>Character classes and list syntax of RFC 9110 §5.6, on raw bytes.</summary>
internal static class HttpSyntax
{
    public const byte Sp = (byte)' ';
    public const byte Htab = (byte)'\t';
    public const byte Cr = (byte)'\r';
    public const byte Lf = (byte)'\n';

    public static bool IsTChar(byte b) =>
        b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9'
        || b is (byte)'!' or (byte)'#' or (byte)'$' or (byte)'%' or (byte)'&' or (byte)'\'' or (byte)'*'
            or (byte)'+' or (byte)'-' or (byte)'.' or (byte)'^' or (byte)'_' or (byte)'`' or (byte)'|' or (byte)'~';

    public static bool IsToken(ReadOnlySpan<byte> s)
    {
        if (s.IsEmpty) return false;
        foreach (var b in s)
            if (!IsTChar(b)) return false;
        return true;
    }

    public static bool IsToken(ReadOnlySpan<char> s)
    {
        if (s.IsEmpty) return false;
        foreach (var c in s)
            if (c > 0x7F || !IsTChar((byte)c)) return false;
        return true;
    }

    /// <summary>
    /// field-vchar, SP and HTAB. obs-text (0x80-0xFF) is refused on purpose: its meaning depends on
    /// the reader's charset, so two parsers could read it two ways.
    /// </summary>
    public static bool IsFieldValueByte(byte b) => b == Htab || b is >= 0x20 and <= 0x7E;

    public static bool IsWhitespace(byte b) => b is Sp or Htab;

    public static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';

    /// <summary>Bytes to chars one to one (Latin-1), so a later check still sees any byte above 0x7F.</summary>
    public static string Ascii(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    /// <summary>
    /// Splits a comma-separated list (RFC 9110 §5.6.1) into OWS-trimmed elements. Empty elements are
    /// returned as empty strings so callers decide whether they are tolerable.
    /// </summary>
    public static IEnumerable<string> ListElements(string value)
    {
        foreach (var part in value.Split(','))
            yield return part.Trim(' ', '\t');
    }

    /// <summary>Tokens of one list value added to <paramref name="tokens"/>, lowercased; false when an element is not a token (empty ones skipped).</summary>
    public static bool TryTokenList(string value, List<string> tokens)
    {
        foreach (var element in ListElements(value))
        {
            if (element.Length == 0) continue;
            if (!IsToken(element)) return false;
            tokens.Add(element.ToLowerInvariant());
        }
        return true;
    }
}
