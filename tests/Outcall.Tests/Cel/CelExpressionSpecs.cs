using Outcall.Rules.Cel;

namespace Outcall.Tests.Cel;

/// <summary>
/// FR-007 rule conditions: a table of expressions against the rules schema with their expected values,
/// runtime errors, or compile errors (with positions).
/// </summary>
public class CelExpressionSpecs
{
    public static TheoryData<string, object?> Values => new()
    {
        // literals
        { "1", 1L }, { "-1", -1L }, { "0x10", 16L }, { "-0x10", -16L },
        { "-9223372036854775808", long.MinValue }, { "9223372036854775807", long.MaxValue },
        { "1u", 1UL }, { "0xFFu", 255UL }, { "18446744073709551615u", ulong.MaxValue },
        { "1.5", 1.5 }, { "1e3", 1000.0 }, { "2.5e-1", 0.25 }, { ".5", 0.5 }, { "-2.5", -2.5 },
        { "'a'", "a" }, { "\"a\"", "a" }, { "'''x\ny'''", "x\ny" }, { @"r'\n'", @"\n" }, { @"R""\t""", @"\t" },
        { @"'\u00e9'", "é" }, { @"'\U0001F600'", "😀" }, { @"'\x41'", "A" }, { @"'\X41'", "A" }, { @"'\101'", "A" },
        { @"'\a\b\f\v'", "\a\b\f\v" }, { @"'\`\?\'\""'", "`?'\"" }, { @"'\\'", @"\" }, { "'it''s'", null },
        { "true", true }, { "false", false }, { "null", null },
        { @"size(b'\xff\x00')", 2L }, { @"b'\377' == b'\xff'", true }, { "size(b'é')", 2L },
        { "// a comment\n1 + 1 // trailing", 2L },
        // precedence and associativity
        { "1 + 2 * 3", 7L }, { "(1 + 2) * 3", 9L }, { "10 - 2 - 3", 5L }, { "100 / 10 / 5", 2L },
        { "7 % 4 * 2", 6L }, { "-2 * 3", -6L }, { "!true || true", true }, { "true || false && false", true },
        { "(true || false) && false", false }, { "1 < 2 == true", true }, { "1 + 1 == 2 && 2 * 2 == 4", true },
        { "false ? 1 : true ? 2 : 3", 2L }, { "true ? 1 : 2 + 10", 1L }, { "1 in [1] == true", true },
        { "!!false", false }, { "- -5", 5L }, { "2 - -2", 4L }, { "3 - (2 - 1)", 2L },
        // variables of the rules schema
        { "network.hostname", "api.github.com" }, { "network.hostname == 'api.github.com'", true },
        { "'api.github.com' == network.hostname", true }, { "network.hostname != 'x'", true },
        { "network.port == 443", true }, { "network.port == 443u", true }, { "network.port == 443.0", true },
        { "network.port > 80 && network.port < 1024", true }, { "network.port >= 443u", true },
        { "network.hostname.endsWith('.github.com')", true }, { "network.hostname.startsWith('api.')", true },
        { "network.hostname.contains('github')", true }, { @"network.hostname.matches('^api\\.github\\.com$')", true },
        { "network.hostname.matches('github')", true }, { "network.hostname.matches('^github')", false },
        { "matches(network.hostname, 'hub')", true }, { "size(network.hostname)", 14L }, { "network.hostname.size()", 14L },
        { "network.hostname in ['api.github.com', 'github.com']", true }, { "network.hostname in ['github.com']", false },
        { "network.hostname in []", false }, { ".network.hostname == 'api.github.com'", true },
        { "http.method == 'GET'", true }, { "http.path.startsWith('/repos/')", true },
        { "http.headers['user-agent']", "curl/8.0" }, { "http.headers['user-agent'].startsWith('curl/')", true },
        { "'user-agent' in http.headers", true }, { "'x-missing' in http.headers", false },
        { "has(http.headers.accept)", true }, { "has(http.headers.missing)", false }, { "http.headers.accept", "*/*" },
        { "size(http.headers)", 2L }, { "http.headers.exists(k, k == 'accept')", true },
        { "http.headers.all(k, k.lowerAscii() == k)", true },
        { "http.headers.filter(k, k.startsWith('user')) == ['user-agent']", true },
        { "http.headers.map(k, size(k)).exists(n, n == 10)", true },
        { "docker.labels['team'] == 'infra'", true }, { "has(docker.labels.team)", true }, { "http.body_size == 0", true },
        { "agent.name == 'claude'", true }, { "run.id.endsWith('-1')", true }, { "dns.query == ''", true },
        { "network.hostname.upperAscii()", "API.GITHUB.COM" }, { "'ÀB'.lowerAscii()", "Àb" },
        { "network.protocol in ['tcp', 'udp']", true }, { "network.ip.startsWith('140.82.')", true },
        { "http.host == network.hostname", true }, { "docker.image == ''", true },
        // strings
        { "'ab' + 'cd'", "abcd" }, { "'a' < 'b'", true }, { "'abc'.contains('')", true }, { "size('héllo')", 5L },
        { "size('😀')", 1L }, { "'abc' == 'ab' + 'c'", true }, { "'x'.startsWith('xy')", false },
        { "'aaa'.matches('a{2}')", true }, { @"'\u00e9' == 'é'", true }, { "string(1) + 'x'", "1x" },
        { "string(true)", "true" }, { "string(1.5)", "1.5" }, { "string(1e6)", "1e+06" }, { "string(0.0001)", "0.0001" },
        { "string(b'ok')", "ok" }, { "string(18446744073709551615u)", "18446744073709551615" }, { "string(-0.0)", "-0" },
        { "'\uFFFF' < '😀'", true },
        // bytes
        { "b'ab' + b'c' == b'abc'", true }, { "size(bytes('é'))", 2L }, { "b'a' < b'b'", true },
        // lists
        { "[1, 2, 3][1]", 2L }, { "size([1, [2, 3]])", 2L }, { "[1, 2] + [3] == [1, 2, 3]", true },
        { "[[1], [2]] == [[1], [2]]", true }, { "2 in [1, 2, 3]", true }, { "2u in [1, 2, 3]", true },
        { "2.0 in [1, 2]", true }, { "'a' in ['b']", false }, { "[1, 2][1u]", 2L }, { "size([1, 2, 3,])", 3L },
        { "[] == []", true }, { "[1, 'a'] == [1, 'a']", true }, { "[1, 2] != [2, 1]", true },
        // maps
        { "{'a': 1}['a']", 1L }, { "{'a': 1}.a", 1L }, { "{'a': {'b': 2}}.a.b", 2L }, { "has({'a': 1}.a)", true },
        { "has({'a': 1}.b)", false }, { "'a' in {'a': 1}", true }, { "1 in {1u: 'x'}", true }, { "{1: 'x'}[1u]", "x" },
        { "{1: 'x'}[1.0]", "x" }, { "{'a': 1, 'b': 2} == {'b': 2, 'a': 1}", true }, { "size({'a': 1, 'b': 2})", 2L },
        { "{true: 1}[true]", 1L }, { "{'a': 1,}.a", 1L }, { "{'k': network.hostname}.k", "api.github.com" },
        { "{'a': 1} != {'a': 2}", true },
        // macros
        { "[1, 2, 3].all(x, x > 0)", true }, { "[1, 2, 3].exists(x, x > 2)", true }, { "[1, 2, 3].exists_one(x, x > 2)", true },
        { "[1, 2, 3].map(x, x * 2) == [2, 4, 6]", true }, { "[1, 2, 3].map(x, x > 1, x * 10) == [20, 30]", true },
        { "[1, 2, 3].filter(x, x % 2 == 1) == [1, 3]", true }, { "{'a': 1, 'b': 2}.all(k, k in ['a', 'b'])", true },
        { "[[1, 2], [3]].all(l, l.all(x, x > 0))", true }, { "[1, 2].exists(x, [3, 4].exists(y, x + y == 6))", true },
        { "[1, 2].map(x, [x].map(x, x + 1)) == [[2], [3]]", true }, { "[].all(x, false)", true }, { "[].exists(x, true)", false },
        { "['x.com', 'y.org'].exists(h, network.hostname.endsWith(h))", false },
        { "['github.com'].exists(h, network.hostname.endsWith('.' + h))", true },
        { "[1, 2, 3].all(x, x < 2 || 1 / 0 == 1) == false || true", true },
        // error absorption by && and || (commutative)
        { "false && 1 / 0 == 1", false }, { "1 / 0 == 1 && false", false }, { "true || 1 / 0 == 1", true },
        { "1 / 0 == 1 || true", true }, { "http.headers['x'] == 'y' || network.port == 443", true },
        { "http.headers['x'] == 'y' && network.port == 80", false }, { "true ? 'a' : 'b'", "a" },
        // arithmetic
        { "9223372036854775807 - 1", 9223372036854775806L }, { "-9223372036854775807 - 1", long.MinValue },
        { "5 / -2", -2L }, { "-5 % 3", -2L }, { "18446744073709551615u - 1u", 18446744073709551614UL },
        { "1.0 / 0.0 > 1e308", true }, { "0.1 + 0.2 == 0.30000000000000004", true }, { "2.0 * 3.5", 7.0 },
        { "7u / 2u", 3UL }, { "-(-3)", 3L }, { "3037000499 * 3037000499", 9223372030926249001L },
        // conversions
        { "int('42')", 42L }, { "int('-42')", -42L }, { "int(-1.9)", -1L }, { "uint('7')", 7UL }, { "double('2.5')", 2.5 },
        { "double(1)", 1.0 }, { "bool('true')", true }, { "bool('F')", false }, { "bytes('a') == b'a'", true },
        { "int(1u)", 1L }, { "uint(1)", 1UL }, { "double(18446744073709551615u)", 18446744073709551615.0 },
        // comparisons across numeric types
        { "1 < 1.5", true }, { "1u < 2", true }, { "-1 < 0u", true }, { "2.0 > 1u", true }, { "false < true", true },
        { "'a' <= 'a'", true }, { "'Z' < 'a'", true }, { "9223372036854775807 < 9223372036854775808.0", true },
        { "18446744073709551615u > 9223372036854775807", true },
    };

    [Theory]
    [MemberData(nameof(Values))]
    public void An_expression_evaluates_to_its_expected_value(string source, object? expected)
    {
        if (source == "'it''s'")
        {
            // Adjacent literals are not concatenated in CEL: this is a syntax error, not a value.
            Assert.Throws<CelCompileException>(() => CelTestContext.Compile(source));
            return;
        }
        var result = CelTestContext.Compile(source).Evaluate(CelTestContext.Request);
        Assert.False(result.IsError, result.Error);
        Assert.Equal(expected, result.Value);
    }

    public static TheoryData<string, string> RuntimeErrors => new()
    {
        { "9223372036854775807 + 1", "overflow" }, { "-9223372036854775808 - 1", "overflow" },
        { "9223372036854775807 * 2", "overflow" }, { "-(-9223372036854775808)", "overflow" },
        { "-9223372036854775808 / -1", "overflow" }, { "-9223372036854775808 % -1", "overflow" },
        { "1 / 0", "division by zero" }, { "1 % 0", "modulus by zero" }, { "1u / 0u", "division by zero" },
        { "0u - 1u", "overflow" }, { "18446744073709551615u + 1u", "overflow" }, { "[1][1]", "index out of range" },
        { "[1][-1]", "index out of range" }, { "{'a': 1}['b']", "no such key" }, { "{'a': 1}.b", "no such key" },
        { "http.headers['x-missing'] == 'a'", "no such key" }, { "http.headers.missing", "no such key" },
        { "int(1e20)", "range" }, { "uint(-1)", "overflow" }, { "int('abc')", "not a valid int" },
        { "uint(-1.0)", "range" }, { "double('x')", "not a valid double" }, { "bool('yes')", "not a valid bool" },
        { @"string(b'\xff')", "UTF-8" }, { "{1: 1, 1u: 2}", "repeated key" }, { "[1, 2].all(x, x / 0 > 1)", "division by zero" },
        { "[0].exists_one(x, 1 / x == 1)", "division by zero" }, { "[0].map(x, 1 / x)", "division by zero" },
        { "'a'.matches(network.hostname + '(')", "invalid regular expression" }, { "1 / 0 == 1 && true", "division by zero" },
        { "false || 1 / 0 == 1", "division by zero" }, { "(1 / 0 == 1) ? 1 : 2", "division by zero" },
        { "int(18446744073709551615u)", "overflow" }, { "http.headers[http.path]", "no such key" },
    };

    [Theory]
    [MemberData(nameof(RuntimeErrors))]
    public void An_expression_fails_at_run_time_with_a_named_error(string source, string fragment)
    {
        var result = CelTestContext.Compile(source).Evaluate(CelTestContext.Request);
        Assert.True(result.IsError, $"expected an error, got {result.Value}");
        Assert.Contains(fragment, result.Error);
    }

    public static TheoryData<string, string, int, int> CompileErrors => new()
    {
        { "network.port == '80'", "no matching overload for '_==_'", 1, 14 },
        { "network.hostname + 1", "no matching overload for '_+_'", 1, 18 },
        { "size(1)", "no matching overload for 'size'", 1, 1 },
        { "network.port.startsWith('a')", "no matching overload for 'startsWith'", 1, 14 },
        { "unknown == 1", "undeclared reference to 'unknown'", 1, 1 },
        { "network.nope == 'a'", "undeclared reference to 'network.nope'", 1, 1 },
        { "foo(1)", "undeclared function 'foo'", 1, 1 },
        { "1 +", "expected an expression but found end of input", 1, 4 },
        { "(1", "expected ')' but found end of input", 1, 3 },
        { "[1, 2", "expected ',' or ']'", 1, 6 },
        { "{'a' 1}", "expected ':'", 1, 6 },
        { "1 2", "expected end of expression", 1, 3 },
        { "'abc", "unterminated string literal", 1, 1 },
        { "'a\nb'", "newline", 1, 3 },
        { @"'\q'", "invalid escape sequence", 1, 2 },
        { @"'\ud800'", "invalid unicode code point", 1, 2 },
        { @"'\U00110000'", "invalid unicode code point", 1, 2 },
        { @"b'\u0041'", "not allowed in bytes", 1, 3 },
        { @"'\x4'", "2 hexadecimal digits", 1, 2 },
        { @"'\08'", "three octal digits", 1, 2 },
        { "9223372036854775808", "out of range", 1, 1 },
        { "18446744073709551616u", "out of range", 1, 1 },
        { "-9223372036854775809", "out of range", 1, 2 },
        { "if == 1", "reserved word", 1, 1 },
        { "1 + var", "reserved word", 1, 5 },
        { "1 # 2", "unexpected character '#'", 1, 3 },
        { "1e", "exponent", 1, 2 },
        { "0x", "hexadecimal digits", 1, 1 },
        { "network.hostname == 'a' &&\n  network.port == '1'", "no matching overload for '_==_'", 2, 16 },
        { "\n\n  foo", "undeclared reference to 'foo'", 3, 3 },
        { "!1", "no matching overload for '!_'", 1, 1 },
        { "-'a'", "no matching overload for '-_'", 1, 1 },
        { "1 && true", "no matching overload for '_&&_'", 1, 3 },
        { "'a' < 1", "no matching overload for '_<_'", 1, 5 },
        { "1 + 1u", "no matching overload for '_+_'", 1, 3 },
        { "1.5 % 2.0", "no matching overload for '_%_'", 1, 5 },
        { "[1]['a']", "no matching overload for '_[_]'", 1, 4 },
        { "{'a': 1}[1]", "no matching overload for '_[_]'", 1, 9 },
        { "'a'.matches('(')", "invalid regular expression", 1, 13 },
        { "[1].all(1, true)", "simple variable name", 1, 9 },
        { "has(network)", "has() needs", 1, 1 },
        { "1.all(x, true)", "cannot be iterated", 1, 1 },
        { "{[1]: 2}", "unsupported map key type", 1, 2 },
        { "{1.5: 2}", "unsupported map key type", 1, 2 },
        { "true ? 1 : 'a'", "no matching overload for '_?_:_'", 1, 6 },
        { "[1].all(x, x)", "needs a bool", 1, 12 },
        { "network.hostname.foo", "has no field 'foo'", 1, 17 },
        { "http.headers.foo.bar", "has no field 'bar'", 1, 17 },
        { "size()", "undeclared function 'size'", 1, 1 },
        { "int(true)", "no matching overload for 'int'", 1, 1 },
        { "bool(1)", "no matching overload for 'bool'", 1, 1 },
        { "network.hostname.lowerAscii(1)", "undeclared function 'lowerAscii'", 1, 18 },
        { "network.port in ['80']", "no matching overload for '@in'", 1, 14 },
        { "[1, 2] + ['a']", "no matching overload for '_+_'", 1, 8 },
        { "", "expected an expression but found end of input", 1, 1 },
        { "a.", "expected a field or method name", 1, 3 },
    };

    [Theory]
    [MemberData(nameof(CompileErrors))]
    public void An_invalid_expression_is_rejected_at_compile_time_with_its_position(string source, string fragment, int line, int column)
    {
        var error = Assert.Throws<CelCompileException>(() => CelTestContext.Compile(source));
        Assert.Contains(fragment, error.Message);
        Assert.Equal((line, column), (error.Line, error.Column));
        Assert.Contains($"line {line}, column {column}", error.Message);
    }

    public static TheoryData<string, string> ResultTypes => new()
    {
        { "network.hostname", "string" }, { "network.port == 1", "bool" }, { "http.headers['a']", "string" },
        { "[1, 'a'][0]", "dyn" }, { "{'a': [1]}", "map(string, list(int))" }, { "[1, 2].map(x, x * 2 > 1)", "list(bool)" },
        { "http.headers", "map(string, string)" }, { "1u + 2u", "uint" }, { "size('a')", "int" },
    };

    [Theory]
    [MemberData(nameof(ResultTypes))]
    public void The_checker_infers_the_result_type(string source, string type) =>
        Assert.Equal(type, CelTestContext.Compile(source).ResultType.ToString());
}
