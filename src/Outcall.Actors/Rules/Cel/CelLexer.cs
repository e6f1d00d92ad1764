using System.Globalization;
using System.Text;

namespace Outcall.Rules.Cel;

/// <summary>Turns CEL source into tokens, decoding every literal form (numbers, all string and bytes escapes).</summary>
internal sealed class CelLexer
{
    private readonly string _src;
    private int _pos;
    private int _line = 1;
    private int _lineStart;

    private CelLexer(string source) => _src = source;

    public static List<CelToken> Tokenize(string source)
    {
        var lexer = new CelLexer(source);
        var tokens = new List<CelToken>();
        while (true)
        {
            var token = lexer.Next();
            tokens.Add(token);
            if (token.Kind == CelTokenKind.End) return tokens;
        }
    }

    private int Column => _pos - _lineStart + 1;
    private char Peek(int ahead = 0) => _pos + ahead < _src.Length ? _src[_pos + ahead] : '\0';
    private bool AtEnd(int ahead = 0) => _pos + ahead >= _src.Length;

    private CelCompileException Error(string message, int line, int column) =>
        new($"syntax error at line {line}, column {column}: {message}", line, column);

    private void Advance()
    {
        if (_src[_pos] == '\n') { _line++; _lineStart = _pos + 1; }
        _pos++;
    }

    private void SkipWhitespaceAndComments()
    {
        while (!AtEnd())
        {
            var c = Peek();
            if (c is ' ' or '\t' or '\n' or '\r' or '\f') Advance();
            else if (c == '/' && Peek(1) == '/') { while (!AtEnd() && Peek() != '\n') Advance(); }
            else return;
        }
    }

    private CelToken Next()
    {
        SkipWhitespaceAndComments();
        int line = _line, col = Column, start = _pos;
        if (AtEnd()) return new CelToken(CelTokenKind.End, "", line, col);
        var c = Peek();

        if (IsIdentStart(c))
        {
            if (TryStringPrefix(out var raw, out var bytes)) return LexString(line, col, start, raw, bytes);
            while (!AtEnd() && IsIdentPart(Peek())) Advance();
            var text = _src[start.._pos];
            var kind = text switch
            {
                "true" => CelTokenKind.True,
                "false" => CelTokenKind.False,
                "null" => CelTokenKind.Null,
                "in" => CelTokenKind.In,
                _ => CelTokenKind.Identifier,
            };
            return new CelToken(kind, text, line, col);
        }
        if (char.IsAsciiDigit(c) || (c == '.' && char.IsAsciiDigit(Peek(1)))) return LexNumber(line, col, start);
        if (c is '"' or '\'') return LexString(line, col, start, raw: false, bytes: false);

        CelTokenKind Op(CelTokenKind kind, int length)
        {
            for (var i = 0; i < length; i++) Advance();
            return kind;
        }
        var op = c switch
        {
            '(' => Op(CelTokenKind.LParen, 1),
            ')' => Op(CelTokenKind.RParen, 1),
            '[' => Op(CelTokenKind.LBracket, 1),
            ']' => Op(CelTokenKind.RBracket, 1),
            '{' => Op(CelTokenKind.LBrace, 1),
            '}' => Op(CelTokenKind.RBrace, 1),
            '.' => Op(CelTokenKind.Dot, 1),
            ',' => Op(CelTokenKind.Comma, 1),
            ':' => Op(CelTokenKind.Colon, 1),
            '?' => Op(CelTokenKind.Question, 1),
            '+' => Op(CelTokenKind.Plus, 1),
            '-' => Op(CelTokenKind.Minus, 1),
            '*' => Op(CelTokenKind.Star, 1),
            '/' => Op(CelTokenKind.Slash, 1),
            '%' => Op(CelTokenKind.Percent, 1),
            '!' when Peek(1) == '=' => Op(CelTokenKind.Ne, 2),
            '!' => Op(CelTokenKind.Not, 1),
            '=' when Peek(1) == '=' => Op(CelTokenKind.Eq, 2),
            '<' when Peek(1) == '=' => Op(CelTokenKind.Le, 2),
            '<' => Op(CelTokenKind.Lt, 1),
            '>' when Peek(1) == '=' => Op(CelTokenKind.Ge, 2),
            '>' => Op(CelTokenKind.Gt, 1),
            '&' when Peek(1) == '&' => Op(CelTokenKind.And, 2),
            '|' when Peek(1) == '|' => Op(CelTokenKind.Or, 2),
            _ => throw Error(DescribeUnexpected(c), line, col),
        };
        return new CelToken(op, _src[start.._pos], line, col);
    }

    private static string DescribeUnexpected(char c) =>
        c < 0x20 || c > 0x7e ? $"unexpected character U+{(int)c:X4}" : $"unexpected character '{c}'";

    private static bool IsIdentStart(char c) => char.IsAsciiLetter(c) || c == '_';
    private static bool IsIdentPart(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    /// <summary>Recognises the r/b/br/rb prefixes (any case) directly followed by a quote, and consumes them.</summary>
    private bool TryStringPrefix(out bool raw, out bool bytes)
    {
        raw = false; bytes = false;
        var n = 0;
        while (n < 2 && Peek(n) is 'r' or 'R' or 'b' or 'B')
        {
            var isRaw = Peek(n) is 'r' or 'R';
            if (isRaw ? raw : bytes) return false;
            if (isRaw) raw = true; else bytes = true;
            n++;
            if (Peek(n) is '"' or '\'')
            {
                for (var i = 0; i < n; i++) Advance();
                return true;
            }
        }
        raw = false; bytes = false;
        return false;
    }

    private CelToken LexNumber(int line, int col, int start)
    {
        if (Peek() == '0' && Peek(1) is 'x' or 'X')
        {
            Advance(); Advance();
            var digitsStart = _pos;
            while (!AtEnd() && char.IsAsciiHexDigit(Peek())) Advance();
            if (_pos == digitsStart) throw Error("expected hexadecimal digits after '0x'", line, col);
            if (!ulong.TryParse(_src.AsSpan(digitsStart, _pos - digitsStart), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
                throw Error("integer literal out of range", line, col);
            return IntegerToken(line, col, start, hex);
        }

        while (!AtEnd() && char.IsAsciiDigit(Peek())) Advance();
        var isDouble = false;
        if (Peek() == '.' && char.IsAsciiDigit(Peek(1)))
        {
            isDouble = true;
            Advance();
            while (!AtEnd() && char.IsAsciiDigit(Peek())) Advance();
        }
        if (Peek() is 'e' or 'E')
        {
            var signed = Peek(1) is '+' or '-';
            if (char.IsAsciiDigit(Peek(signed ? 2 : 1)))
            {
                isDouble = true;
                Advance();
                if (signed) Advance();
                while (!AtEnd() && char.IsAsciiDigit(Peek())) Advance();
            }
            else throw Error("expected digits in the exponent of a number", _line, Column);
        }
        var text = _src[start.._pos];
        if (isDouble)
        {
            var value = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
            return new CelToken(CelTokenKind.Double, text, line, col, value);
        }
        if (!ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var magnitude))
            throw Error("integer literal out of range", line, col);
        return IntegerToken(line, col, start, magnitude);
    }

    private CelToken IntegerToken(int line, int col, int start, ulong magnitude)
    {
        if (Peek() is 'u' or 'U')
        {
            Advance();
            return new CelToken(CelTokenKind.Uint, _src[start.._pos], line, col, magnitude, magnitude);
        }
        // Int range is checked by the parser, which knows whether a minus sign precedes the literal.
        return new CelToken(CelTokenKind.Int, _src[start.._pos], line, col, null, magnitude);
    }

    private CelToken LexString(int line, int col, int start, bool raw, bool bytes)
    {
        var quote = Peek();
        var triple = Peek(1) == quote && Peek(2) == quote;
        for (var i = 0; i < (triple ? 3 : 1); i++) Advance();

        var text = new StringBuilder();
        var octets = bytes ? new List<byte>() : null;
        void FlushText()
        {
            if (octets is null || text.Length == 0) return;
            octets.AddRange(Encoding.UTF8.GetBytes(text.ToString()));
            text.Clear();
        }

        while (true)
        {
            if (AtEnd()) throw Error("unterminated string literal", line, col);
            var c = Peek();
            if (c == quote && (!triple || (Peek(1) == quote && Peek(2) == quote)))
            {
                for (var i = 0; i < (triple ? 3 : 1); i++) Advance();
                break;
            }
            if (!triple && c is '\n' or '\r') throw Error("newline in a single-line string literal", _line, Column);
            if (c != '\\' || raw)
            {
                text.Append(c);
                Advance();
                continue;
            }

            int escLine = _line, escCol = Column;
            Advance();
            if (AtEnd()) throw Error("unterminated string literal", line, col);
            var e = Peek();
            Advance();
            int simple = e switch
            {
                'a' => 7,
                'b' => 8,
                'f' => 12,
                'n' => 10,
                'r' => 13,
                't' => 9,
                'v' => 11,
                '\\' or '\'' or '"' or '`' or '?' => e,
                _ => -1,
            };
            if (simple >= 0) { text.Append((char)simple); continue; }

            int value;
            if (e is 'x' or 'X') value = ReadHex(2, escLine, escCol);
            else if (e is >= '0' and <= '3')
            {
                value = e - '0';
                for (var i = 0; i < 2; i++)
                {
                    var d = Peek();
                    if (d is < '0' or > '7') throw Error("octal escape needs three octal digits", escLine, escCol);
                    value = value * 8 + (d - '0');
                    Advance();
                }
            }
            else if (e is 'u' or 'U')
            {
                if (bytes) throw Error("unicode escapes are not allowed in bytes literals", escLine, escCol);
                value = ReadHex(e == 'u' ? 4 : 8, escLine, escCol);
                if (value is >= 0xD800 and <= 0xDFFF || value > 0x10FFFF)
                    throw Error("invalid unicode code point in escape sequence", escLine, escCol);
            }
            else throw Error($"invalid escape sequence '\\{(e < 0x20 || e > 0x7e ? "?" : e.ToString())}'", escLine, escCol);

            if (octets is not null && e is not ('u' or 'U'))
            {
                FlushText();
                octets.Add((byte)value);
            }
            else text.Append(char.ConvertFromUtf32(value));
        }

        var source = _src[start.._pos];
        if (octets is not null)
        {
            FlushText();
            return new CelToken(CelTokenKind.Bytes, source, line, col, octets.ToArray());
        }
        return new CelToken(CelTokenKind.String, source, line, col, text.ToString());
    }

    private int ReadHex(int digits, int escLine, int escCol)
    {
        var value = 0;
        for (var i = 0; i < digits; i++)
        {
            var d = Peek();
            if (!char.IsAsciiHexDigit(d)) throw Error($"escape sequence needs {digits} hexadecimal digits", escLine, escCol);
            value = value * 16 + Convert.ToInt32(d.ToString(), 16);
            Advance();
            if (value > 0x10FFFF) throw Error("invalid unicode code point in escape sequence", escLine, escCol);
        }
        return value;
    }
}
