using static Outcall.Http.HttpSyntax;

namespace Outcall.Http;

internal enum LineScan { Line, NeedMore, BareCr, BareLf }

/// <summary>
/// Line and field-line rules shared by request heads, response heads and chunked trailers
/// (RFC 9112 §2.2, §5): lines end in CRLF only, no obs-fold, name = token directly followed by
/// the colon, value = OWS-trimmed field-vchar/SP/HTAB.
/// </summary>
internal static class HeadLines
{
    /// <summary>Most fields a head may carry; more is treated like an oversized head (431).</summary>
    public const int MaxFields = 100;

    /// <summary>
    /// Finds the line starting at <paramref name="start"/>. A LF without CR, or a CR followed by
    /// anything but LF, is reported at once so a hostile head fails without waiting for more bytes.
    /// </summary>
    public static LineScan Next(ReadOnlySpan<byte> window, int start, out int lineEnd, out int next)
    {
        lineEnd = next = start;
        var rest = window[start..];
        var i = rest.IndexOfAny(Cr, Lf);
        if (i < 0) return LineScan.NeedMore;
        if (rest[i] == Lf) return LineScan.BareLf;
        if (i + 1 >= rest.Length) return LineScan.NeedMore;
        if (rest[i + 1] != Lf) return LineScan.BareCr;
        lineEnd = start + i;
        next = lineEnd + 2;
        return LineScan.Line;
    }

    public static string Describe(LineScan scan) => scan switch
    {
        LineScan.BareCr => "bare CR in head",
        LineScan.BareLf => "bare LF in head",
        _ => "malformed line",
    };

    /// <summary>Parses one non-empty field line; returns an error reason (never echoing the line) or null.</summary>
    public static string? TryParseField(ReadOnlySpan<byte> line, out HeaderField field)
    {
        field = default;
        if (IsWhitespace(line[0])) return "obs-fold or whitespace at the start of a field line";
        var colon = line.IndexOf((byte)':');
        if (colon < 0) return "field line without a colon";
        if (colon == 0) return "empty field name";
        var name = line[..colon];
        if (IsWhitespace(name[^1])) return "whitespace before a field colon";
        if (!IsToken(name)) return "invalid character in a field name";
        var value = line[(colon + 1)..];
        foreach (var b in value)
            if (!IsFieldValueByte(b)) return "invalid character in a field value";
        var from = 0;
        var to = value.Length;
        while (from < to && IsWhitespace(value[from])) from++;
        while (to > from && IsWhitespace(value[to - 1])) to--;
        field = new HeaderField(Ascii(name), Ascii(value[from..to]));
        return null;
    }
}
