namespace Outcall.Egress;

public enum HostNameProblem
{
    None,
    /// <summary>Not an LDH name: bad characters, empty or overlong labels, a hyphen at a label's edge, too long.</summary>
    Malformed,
    /// <summary>Every label is decimal or 0x-hex (1.2.3.4.5, 0x7f.0x1, 256.0.0.1): what inet_aton would try to read as an address.</summary>
    Numeric,
}

/// <summary>
/// The one host-name rule, used for URI hosts (Http/Authority), SNI and the destination guard: ASCII
/// letters, digits, '-' and '_' (punycode for IDNs), labels of 1-63 characters not starting or ending
/// with '-', at most 253 characters, and a last label that starts with a letter, so that nothing a
/// resolver could read as a number (127.1, 2130706433, 0x7f.0.0.1) is ever resolved as a name.
/// One trailing root dot is allowed; the canonical form drops it and is lowercase, so "Example.COM."
/// and "example.com" are judged, logged and dialled as the same name.
/// </summary>
public static class HostName
{
    public const int MaxLength = 253;

    /// <summary>Checks a name that may end in one root dot; on success <paramref name="canonical"/> is lowercase without it.</summary>
    public static HostNameProblem TryCanonicalize(ReadOnlySpan<char> text, out string canonical)
    {
        canonical = "";
        var name = text.EndsWith('.') ? text[..^1] : text;
        var problem = Check(name);
        if (problem == HostNameProblem.None) canonical = name.ToString().ToLowerInvariant();
        return problem;
    }

    /// <summary>A valid name without a trailing dot (the form RFC 6066 requires of an SNI host_name).</summary>
    public static bool IsValid(ReadOnlySpan<char> name) => Check(name) == HostNameProblem.None;

    private static HostNameProblem Check(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || name.Length > MaxLength) return HostNameProblem.Malformed;
        var numeric = true;
        var labelStart = 0;
        var lastLabel = name;
        for (var i = 0; i <= name.Length; i++)
        {
            if (i < name.Length && name[i] != '.')
            {
                if (!(char.IsAsciiLetterOrDigit(name[i]) || name[i] is '-' or '_')) return HostNameProblem.Malformed;
                continue;
            }
            var label = name[labelStart..i];
            if (label.IsEmpty || label.Length > 63 || label[0] == '-' || label[^1] == '-') return HostNameProblem.Malformed;
            numeric &= IsNumericLabel(label);
            lastLabel = label;
            labelStart = i + 1;
        }
        if (numeric) return HostNameProblem.Numeric;
        return char.IsAsciiLetter(lastLabel[0]) ? HostNameProblem.None : HostNameProblem.Malformed;
    }

    /// <summary>Decimal digits, or 0x followed by hex digits (possibly none): a part inet_aton would read.</summary>
    private static bool IsNumericLabel(ReadOnlySpan<char> label)
    {
        if (label.Length >= 2 && label[0] == '0' && label[1] is 'x' or 'X')
        {
            foreach (var c in label[2..])
                if (!char.IsAsciiHexDigit(c)) return false;
            return true;
        }
        foreach (var c in label)
            if (!char.IsAsciiDigit(c)) return false;
        return true;
    }
}
