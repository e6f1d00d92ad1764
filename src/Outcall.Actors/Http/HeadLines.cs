using static Outcall.Http.HttpSyntax;

namespace Outcall.Http;

internal enum LineScan { Line, NeedMore, BareCr, BareLf }

internal enum FieldScan { Complete, NeedMore, TooMany, Invalid }

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
        var examined = start;
        return Resume(window, start, ref examined, out lineEnd, out next);
    }

    /// <summary>
    /// As <see cref="Next"/>, searching from <paramref name="examined"/>: the bytes between
    /// <paramref name="start"/> and it are known to hold no CR or LF. On NeedMore it is moved to where
    /// the next search must begin, so a line arriving byte by byte is searched once, not once per read.
    /// </summary>
    public static LineScan Resume(ReadOnlySpan<byte> window, int start, ref int examined, out int lineEnd, out int next)
    {
        lineEnd = next = start;
        var rest = window[examined..];
        var i = rest.IndexOfAny(Cr, Lf);
        if (i < 0)
        {
            examined = window.Length;
            return LineScan.NeedMore;
        }
        if (rest[i] == Lf) return LineScan.BareLf;
        if (i + 1 >= rest.Length)
        {
            // The CR is looked at again once the byte after it has arrived.
            examined += i;
            return LineScan.NeedMore;
        }
        if (rest[i + 1] != Lf) return LineScan.BareCr;
        lineEnd = examined + i;
        next = lineEnd + 2;
        return LineScan.Line;
    }

    public static string Describe(LineScan scan) => scan switch
    {
        LineScan.BareCr => "bare CR in head",
        LineScan.BareLf => "bare LF in head",
        _ => "malformed line",
    };

    /// <summary>
    /// Validates the field lines of a response head from <paramref name="start"/> without allocating.
    /// Complete: <paramref name="headEnd"/> is just after the empty line.
    /// </summary>
    public static FieldScan ScanFields(ReadOnlySpan<byte> window, int start, out int headEnd, out string? error)
    {
        headEnd = 0;
        error = null;
        var pos = start;
        for (var count = 0; ; count++)
        {
            var scan = Next(window, pos, out var end, out var next);
            if (scan == LineScan.NeedMore) return FieldScan.NeedMore;
            if (scan != LineScan.Line)
            {
                error = Describe(scan);
                return FieldScan.Invalid;
            }
            if (end == pos)
            {
                headEnd = next;
                return FieldScan.Complete;
            }
            if (count == MaxFields) return FieldScan.TooMany;
            var line = window[pos..end];
            error = CheckField(line, out _);
            if (error is not null) return FieldScan.Invalid;
            pos = next;
        }
    }

    /// <summary>Builds the fields of a head already accepted by <see cref="ScanFields"/>.</summary>
    public static List<HeaderField> ReadFields(ReadOnlySpan<byte> window, int start, int headEnd)
    {
        var fields = new List<HeaderField>();
        var pos = start;
        while (pos < headEnd - 2)
        {
            Next(window, pos, out var end, out var next);
            fields.Add(ToField(window[pos..end]));
            pos = next;
        }
        return fields;
    }

    /// <summary>Checks one non-empty field line; returns an error reason (never echoing the line) or null.</summary>
    public static string? CheckField(ReadOnlySpan<byte> line, out int colon)
    {
        colon = -1;
        if (IsWhitespace(line[0])) return "obs-fold or whitespace at the start of a field line";
        colon = line.IndexOf((byte)':');
        if (colon < 0) return "field line without a colon";
        if (colon == 0) return "empty field name";
        var name = line[..colon];
        if (IsWhitespace(name[^1])) return "whitespace before a field colon";
        if (!IsToken(name)) return "invalid character in a field name";
        foreach (var b in line[(colon + 1)..])
            if (!IsFieldValueByte(b)) return "invalid character in a field value";
        return null;
    }

    /// <summary>The field of a line <see cref="CheckField"/> accepted: name as sent, value OWS-trimmed.</summary>
    public static HeaderField ToField(ReadOnlySpan<byte> line)
    {
        var colon = line.IndexOf((byte)':');
        var value = line[(colon + 1)..];
        var from = 0;
        var to = value.Length;
        while (from < to && IsWhitespace(value[from])) from++;
        while (to > from && IsWhitespace(value[to - 1])) to--;
        return new HeaderField(Ascii(line[..colon]), Ascii(value[from..to]));
    }

    /// <summary>Client fields also may not use the reserved x-outcall- prefix or a framing look-alike name.</summary>
    public static string? CheckClientFieldName(ReadOnlySpan<byte> name)
    {
        var prefix = MessageFields.ReservedPrefix;
        if (name.Length >= prefix.Length && System.Text.Ascii.EqualsIgnoreCase(name[..prefix.Length], prefix)) return "reserved x-outcall- field from a client";
        if (name.Contains((byte)'_') && MessageFields.IsFramingLookalike(Ascii(name))) return "field name that folds into a framing field";
        return null;
    }
}
