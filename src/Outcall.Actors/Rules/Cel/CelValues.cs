using System.Globalization;
using System.Text;

namespace Outcall.Rules.Cel;

/// <summary>
/// CEL runtime semantics over plain .NET values (see <see cref="ICelActivation"/> for the mapping).
/// Every operation returns either a value or a <see cref="CelError"/>; none throws on bad operands.
/// </summary>
internal static class CelValues
{
    public static readonly object True = true;
    public static readonly object False = false;
    public static object Box(bool value) => value ? True : False;

    public static string TypeName(object? value) => value switch
    {
        null => "null_type",
        bool => "bool",
        long => "int",
        ulong => "uint",
        double => "double",
        string => "string",
        byte[] => "bytes",
        CelError => "error",
        IReadOnlyList<object?> => "list",
        _ when IsMap(value) => "map",
        _ => "unknown",
    };

    public static bool IsMap(object? value) => value is IReadOnlyDictionary<string, string> or IReadOnlyDictionary<object, object?>;
    private static bool IsNumber(object? value) => value is long or ulong or double;

    // ---- equality and ordering ----

    /// <summary>CEL equality: numbers compare by value across int/uint/double, lists and maps deeply, other mixed types are unequal.</summary>
    public static bool Equal(object? a, object? b)
    {
        switch (a)
        {
            case null: return b is null;
            case string s: return b is string t && string.Equals(s, t, StringComparison.Ordinal);
            case bool x: return b is bool yb && x == yb;
            case long or ulong or double: return IsNumber(b) && CompareNumbers(a, b!) == 0;
            case byte[] xs: return b is byte[] ys && xs.AsSpan().SequenceEqual(ys);
            case IReadOnlyList<object?> xl:
            {
                if (b is not IReadOnlyList<object?> yl || xl.Count != yl.Count) return false;
                for (var i = 0; i < xl.Count; i++) if (!Equal(xl[i], yl[i])) return false;
                return true;
            }
            default:
                if (!IsMap(a) || !IsMap(b)) return false;
                if (MapCount(a) != MapCount(b!)) return false;
                foreach (var key in MapKeys(a))
                {
                    if (!MapTryGet(b!, key, out var other) || !MapTryGet(a, key, out var mine) || !Equal(mine, other)) return false;
                }
                return true;
        }
    }

    /// <summary>Numeric comparison across int/uint/double; null when unordered (NaN).</summary>
    private static int? CompareNumbers(object a, object b) => (a, b) switch
    {
        (long x, long y) => x.CompareTo(y),
        (ulong x, ulong y) => x.CompareTo(y),
        (double x, double y) => double.IsNaN(x) || double.IsNaN(y) ? null : x.CompareTo(y),
        (long x, ulong y) => x < 0 ? -1 : ((ulong)x).CompareTo(y),
        (ulong x, long y) => y < 0 ? 1 : x.CompareTo((ulong)y),
        (long x, double y) => CompareIntDouble(x, y),
        (double x, long y) => -CompareIntDouble(y, x),
        (ulong x, double y) => CompareUintDouble(x, y),
        (double x, ulong y) => -CompareUintDouble(y, x),
        _ => null,
    };

    private static int? CompareIntDouble(long i, double d)
    {
        if (double.IsNaN(d)) return null;
        if (d >= 9223372036854775808.0) return -1;
        if (d < -9223372036854775808.0) return 1;
        var whole = Math.Truncate(d);
        var c = i.CompareTo((long)whole);
        if (c != 0) return c;
        var fraction = d - whole;
        return fraction > 0 ? -1 : fraction < 0 ? 1 : 0;
    }

    private static int? CompareUintDouble(ulong u, double d)
    {
        if (double.IsNaN(d)) return null;
        if (d < 0) return 1;
        if (d >= 18446744073709551616.0) return -1;
        var whole = Math.Truncate(d);
        var c = u.CompareTo((ulong)whole);
        if (c != 0) return c;
        return d - whole > 0 ? -1 : 0;
    }

    /// <summary>Strings order by code point, which differs from UTF-16 code unit order only around surrogates.</summary>
    public static int CompareStrings(string a, string b)
    {
        var n = Math.Min(a.Length, b.Length);
        for (var i = 0; i < n; i++)
        {
            if (a[i] == b[i]) continue;
            return CodePointOrder(a[i]).CompareTo(CodePointOrder(b[i]));
        }
        return a.Length.CompareTo(b.Length);
    }

    private static int CodePointOrder(char c) => c < 0xD800 ? c : c >= 0xE000 ? c - 0x800 : c + 0x2000;

    /// <summary>Evaluates an ordering operator: a boxed bool, or an error for operands without an ordering.</summary>
    public static object Relation(string function, object? a, object? b, Func<int, bool> test)
    {
        int? order = (a, b) switch
        {
            (string x, string y) => CompareStrings(x, y),
            (bool x, bool y) => x.CompareTo(y),
            (byte[] x, byte[] y) => x.AsSpan().SequenceCompareTo(y),
            _ when IsNumber(a) && IsNumber(b) => CompareNumbers(a!, b!),
            _ => int.MinValue,
        };
        if (order == int.MinValue) return CelError.NoOverload(function, a, b);
        return order is { } o ? Box(test(Math.Sign(o))) : False;
    }

    // ---- arithmetic ----

    public static object Add(object? a, object? b)
    {
        switch (a, b)
        {
            case (long x, long y):
            {
                var r = unchecked(x + y);
                return ((x ^ r) & (y ^ r)) < 0 ? CelError.IntOverflow : r;
            }
            case (ulong x, ulong y):
            {
                var r = unchecked(x + y);
                return r < x ? CelError.UintOverflow : r;
            }
            case (double x, double y): return x + y;
            case (string x, string y): return string.Concat(x, y);
            case (byte[] x, byte[] y): return (byte[])[.. x, .. y];
            case (IReadOnlyList<object?> x, IReadOnlyList<object?> y):
            {
                var joined = new object?[x.Count + y.Count];
                for (var i = 0; i < x.Count; i++) joined[i] = x[i];
                for (var i = 0; i < y.Count; i++) joined[x.Count + i] = y[i];
                return joined;
            }
            default: return CelError.NoOverload("_+_", a, b);
        }
    }

    public static object Subtract(object? a, object? b)
    {
        switch (a, b)
        {
            case (long x, long y):
            {
                var r = unchecked(x - y);
                return ((x ^ y) & (x ^ r)) < 0 ? CelError.IntOverflow : r;
            }
            case (ulong x, ulong y): return y > x ? CelError.UintOverflow : x - y;
            case (double x, double y): return x - y;
            default: return CelError.NoOverload("_-_", a, b);
        }
    }

    public static object Multiply(object? a, object? b)
    {
        switch (a, b)
        {
            case (long x, long y):
            {
                var r = (Int128)x * y;
                return r > long.MaxValue || r < long.MinValue ? CelError.IntOverflow : (long)r;
            }
            case (ulong x, ulong y):
            {
                var r = (UInt128)x * y;
                return r > ulong.MaxValue ? CelError.UintOverflow : (ulong)r;
            }
            case (double x, double y): return x * y;
            default: return CelError.NoOverload("_*_", a, b);
        }
    }

    public static object Divide(object? a, object? b) => (a, b) switch
    {
        (long, 0L) => CelError.DivideByZero,
        (long.MinValue, -1L) => CelError.IntOverflow,
        (long x, long y) => x / y,
        (ulong, 0UL) => CelError.DivideByZero,
        (ulong x, ulong y) => x / y,
        (double x, double y) => x / y,
        _ => CelError.NoOverload("_/_", a, b),
    };

    public static object Modulo(object? a, object? b) => (a, b) switch
    {
        (long, 0L) => CelError.ModulusByZero,
        (long.MinValue, -1L) => CelError.IntOverflow,
        (long x, long y) => x % y,
        (ulong, 0UL) => CelError.ModulusByZero,
        (ulong x, ulong y) => x % y,
        _ => CelError.NoOverload("_%_", a, b),
    };

    public static object Negate(object? a) => a switch
    {
        long.MinValue => CelError.IntOverflow,
        long x => -x,
        double x => -x,
        _ => CelError.NoOverload("-_", a),
    };

    // ---- containers ----

    public static int MapCount(object map) => map switch
    {
        IReadOnlyDictionary<string, string> m => m.Count,
        IReadOnlyDictionary<object, object?> m => m.Count,
        _ => 0,
    };

    public static IEnumerable<object?> MapKeys(object map) => map switch
    {
        IReadOnlyDictionary<string, string> m => m.Keys,
        IReadOnlyDictionary<object, object?> m => m.Keys,
        _ => [],
    };

    /// <summary>Looks a key up with CEL's heterogeneous numeric key equality.</summary>
    public static bool MapTryGet(object map, object? key, out object? value)
    {
        value = null;
        if (key is null) return false;
        switch (map)
        {
            case IReadOnlyDictionary<string, string> m:
                if (key is string s && m.TryGetValue(s, out var text)) { value = text; return true; }
                return false;
            case CelMap m:
                return m.TryGetValue(key, out value);
            case IReadOnlyDictionary<object, object?> m:
                if (m.TryGetValue(key, out value)) return true;
                foreach (var alternative in NumericAlternatives(key))
                    if (m.TryGetValue(alternative, out value)) return true;
                return false;
            default:
                return false;
        }
    }

    private static IEnumerable<object> NumericAlternatives(object key)
    {
        switch (key)
        {
            case long l when l >= 0: yield return (ulong)l; yield return (double)l; break;
            case long l: yield return (double)l; break;
            case ulong u when u <= long.MaxValue: yield return (long)u; yield return (double)u; break;
            case ulong u: yield return (double)u; break;
            case double d when d == Math.Truncate(d) && d >= 0 && d < 18446744073709551616.0:
                if (d < 9223372036854775808.0) yield return (long)d;
                yield return (ulong)d;
                break;
            case double d when d == Math.Truncate(d) && d >= -9223372036854775808.0 && d < 0:
                yield return (long)d;
                break;
        }
    }

    public static object? Index(object? container, object? index)
    {
        if (container is IReadOnlyList<object?> list)
        {
            long position;
            switch (index)
            {
                case long l: position = l; break;
                case ulong u: position = u > long.MaxValue ? -1 : (long)u; break;
                case double d when d == Math.Truncate(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0: position = (long)d; break;
                case double: return new CelError("list index is not an integral number");
                default: return CelError.NoOverload("_[_]", container, index);
            }
            return position < 0 || position >= list.Count ? CelError.IndexOutOfRange : list[(int)position];
        }
        if (container is not null && IsMap(container))
            return MapTryGet(container, index, out var value) ? value : CelError.NoSuchKey;
        return CelError.NoOverload("_[_]", container, index);
    }

    public static object? Select(object? operand, string field)
    {
        if (operand is not null && IsMap(operand))
            return MapTryGet(operand, field, out var value) ? value : CelError.NoSuchKey;
        return new CelError($"no such field '{field}' on {TypeName(operand)}");
    }

    public static object HasField(object? operand, string field)
    {
        if (operand is not null && IsMap(operand)) return Box(MapTryGet(operand, field, out _));
        return new CelError($"has() needs a map, not {TypeName(operand)}");
    }

    public static object In(object? element, object? container)
    {
        if (container is IReadOnlyList<object?> list)
        {
            for (var i = 0; i < list.Count; i++) if (Equal(element, list[i])) return True;
            return False;
        }
        if (container is not null && IsMap(container)) return Box(MapTryGet(container, element, out _));
        return CelError.NoOverload("@in", element, container);
    }

    public static object Size(object? value) => value switch
    {
        string s => (long)CodePointCount(s),
        byte[] b => (long)b.Length,
        IReadOnlyList<object?> l => (long)l.Count,
        _ when IsMap(value) => (long)MapCount(value!),
        _ => CelError.NoOverload("size", value),
    };

    private static int CodePointCount(string s)
    {
        var count = s.Length;
        for (var i = 0; i + 1 < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && char.IsLowSurrogate(s[i + 1])) { count--; i++; }
        }
        return count;
    }

    // ---- strings ----

    public static string LowerAscii(string s) => string.Create(s.Length, s, static (span, src) =>
    {
        for (var i = 0; i < src.Length; i++) span[i] = char.IsAsciiLetterUpper(src[i]) ? (char)(src[i] | 0x20) : src[i];
    });

    public static string UpperAscii(string s) => string.Create(s.Length, s, static (span, src) =>
    {
        for (var i = 0; i < src.Length; i++) span[i] = char.IsAsciiLetterLower(src[i]) ? (char)(src[i] & ~0x20) : src[i];
    });

    // ---- conversions ----

    public static object ToInt(object? value) => value switch
    {
        long l => l,
        ulong u => u > long.MaxValue ? CelError.IntOverflow : (long)u,
        double d => double.IsNaN(d) || d <= -9223372036854775808.0 || d >= 9223372036854775807.0
            ? new CelError("double is out of int range") : (long)d,
        string s => long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) ? l : new CelError("string is not a valid int"),
        _ => CelError.NoOverload("int", value),
    };

    public static object ToUint(object? value) => value switch
    {
        ulong u => u,
        long l => l < 0 ? CelError.UintOverflow : (ulong)l,
        double d => double.IsNaN(d) || d < 0 || d >= 18446744073709551615.0
            ? new CelError("double is out of uint range") : (ulong)d,
        string s => ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var u) ? u : new CelError("string is not a valid uint"),
        _ => CelError.NoOverload("uint", value),
    };

    public static object ToDouble(object? value) => value switch
    {
        double d => d,
        long l => (double)l,
        ulong u => (double)u,
        string s => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : new CelError("string is not a valid double"),
        _ => CelError.NoOverload("double", value),
    };

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static object ToStringValue(object? value)
    {
        switch (value)
        {
            case string s: return s;
            case long l: return l.ToString(CultureInfo.InvariantCulture);
            case ulong u: return u.ToString(CultureInfo.InvariantCulture);
            case double d: return FormatDouble(d);
            case bool b: return b ? "true" : "false";
            case byte[] bytes:
                try { return StrictUtf8.GetString(bytes); }
                catch (DecoderFallbackException) { return new CelError("bytes are not valid UTF-8"); }
            default: return CelError.NoOverload("string", value);
        }
    }

    public static object ToBool(object? value) => value switch
    {
        bool b => Box(b),
        string s => s switch
        {
            "1" or "t" or "T" or "true" or "TRUE" or "True" => True,
            "0" or "f" or "F" or "false" or "FALSE" or "False" => False,
            _ => new CelError("string is not a valid bool"),
        },
        _ => CelError.NoOverload("bool", value),
    };

    public static object ToBytes(object? value) => value switch
    {
        byte[] b => b,
        string s => Encoding.UTF8.GetBytes(s),
        _ => CelError.NoOverload("bytes", value),
    };

    /// <summary>Formats like Go's strconv.FormatFloat(d, 'g', -1, 64), which CEL implementations follow.</summary>
    public static string FormatDouble(double d)
    {
        if (double.IsNaN(d)) return "NaN";
        if (double.IsPositiveInfinity(d)) return "+Inf";
        if (double.IsNegativeInfinity(d)) return "-Inf";
        if (d == 0) return double.IsNegative(d) ? "-0" : "0";

        var shortest = Math.Abs(d).ToString("R", CultureInfo.InvariantCulture);
        var exponentAt = shortest.IndexOfAny(['E', 'e']);
        var mantissa = exponentAt < 0 ? shortest : shortest[..exponentAt];
        var exponent = exponentAt < 0 ? 0 : int.Parse(shortest[(exponentAt + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var point = mantissa.IndexOf('.');
        var digits = point < 0 ? mantissa : mantissa.Remove(point, 1);
        var decimalPoint = (point < 0 ? mantissa.Length : point) + exponent;
        var leadingZeros = digits.Length - digits.TrimStart('0').Length;
        digits = digits.Trim('0');
        decimalPoint -= leadingZeros;

        var sb = new StringBuilder();
        if (d < 0) sb.Append('-');
        var exp = decimalPoint - 1;
        if (exp < -4 || exp >= 6)
        {
            sb.Append(digits[0]);
            if (digits.Length > 1) sb.Append('.').Append(digits, 1, digits.Length - 1);
            sb.Append('e').Append(exp < 0 ? '-' : '+');
            var magnitude = Math.Abs(exp);
            if (magnitude < 10) sb.Append('0');
            sb.Append(magnitude.ToString(CultureInfo.InvariantCulture));
            return sb.ToString();
        }
        if (decimalPoint <= 0) sb.Append("0.").Append('0', -decimalPoint).Append(digits);
        else if (decimalPoint >= digits.Length) sb.Append(digits).Append('0', decimalPoint - digits.Length);
        else sb.Append(digits, 0, decimalPoint).Append('.').Append(digits, decimalPoint, digits.Length - decimalPoint);
        return sb.ToString();
    }
}
