using FsCheck.Xunit;
using Outcall.Rules;
using Outcall.Rules.Cel;

namespace Outcall.Tests.Cel;

/// <summary>
/// Hostile input: the compiler only ever throws CelCompileException, deep nesting is bounded instead of
/// overflowing the stack, and evaluation never throws, whatever the expression or the request holds.
/// </summary>
public class CelRobustnessSpecs
{
    private static readonly string[] Seeds =
    [
        "network.hostname == 'api.github.com' && network.port == 443",
        "network.hostname in ['a.com', 'b.com'] || http.headers['user-agent'].startsWith('curl/')",
        "has(http.headers.accept) ? size(http.headers.accept) > 1 : false",
        "[1, 2, 3].map(x, x * 2).exists(y, y > 4u) && {'a': 1.5}.a >= 1",
        "http.headers.all(k, k.matches('^[a-z-]+$')) && !(network.port % 2 == 0)",
        "b'\\x00\\377' + bytes('é') != b'' && r'\\d' == '\\\\d' && '''x\ny'''.contains('\\u0041')",
        "int('12') + -9223372036854775808 < 0 && uint(1.5) == 1u && string(2.5e-3) == '0.0025'",
        "docker.labels.filter(k, k.endsWith('x')).size() == 0 || dns.query.lowerAscii() == 'a'",
    ];

    private const string Alphabet = "()[]{}.,:?!=<>&|+-*/%'\"\\ \nabrxuU019_$#`é😀";

    private static void CompileOnlyThrowsCompileErrors(string source)
    {
        try
        {
            var program = CelTestContext.Compile(source);
            _ = program.Evaluate(CelTestContext.Request);
            _ = program.RequiredLiteralValues(EvaluationContext.HostnameSlot);
        }
        catch (CelCompileException e)
        {
            Assert.InRange(e.Line, 1, int.MaxValue);
            Assert.InRange(e.Column, 1, int.MaxValue);
        }
    }

    [Property(MaxTest = 500)]
    public void Arbitrary_text_only_ever_raises_compile_errors(string? source) => CompileOnlyThrowsCompileErrors(source ?? "");

    [Property(MaxTest = 1000)]
    public void Mutated_valid_expressions_only_ever_raise_compile_errors(int seed, int position, int character, int operation, int length)
    {
        var source = Seeds[Math.Abs(seed % Seeds.Length)];
        var at = Math.Abs(position % (source.Length + 1));
        var span = Math.Min(Math.Abs(length % 8), source.Length - at);
        var c = Alphabet[Math.Abs(character % Alphabet.Length)].ToString();
        var mutated = Math.Abs(operation % 4) switch
        {
            0 => source.Remove(at, span),
            1 => source.Insert(at, c),
            2 => source[..at] + c + source[(at + span)..],
            _ => source.Insert(at, source.Substring(at, span)),
        };
        CompileOnlyThrowsCompileErrors(mutated);
    }

    [Property(MaxTest = 300)]
    public void Evaluation_never_throws_whatever_the_request_holds(string? hostname, string? headerName, string? headerValue, long port)
    {
        var context = new EvaluationContext
        {
            NetworkHostname = hostname ?? "",
            NetworkPort = port,
            HttpHeaders = new Dictionary<string, string> { [headerName ?? ""] = headerValue ?? "" },
        };
        foreach (var seed in Seeds)
        {
            var result = CelTestContext.Compile(seed).Evaluate(context);
            Assert.True(result.IsError || result.Value is not null);
        }
    }

    [Fact]
    public void An_activation_that_throws_becomes_a_runtime_error()
    {
        var result = CelTestContext.Compile("network.hostname == 'a'").Evaluate(new ThrowingActivation());
        Assert.True(result.IsError);
    }

    private sealed class ThrowingActivation : ICelActivation
    {
        public object? GetVariable(int slot) => throw new InvalidOperationException("broken");
    }

    public static TheoryData<string> DeepExpressions => new()
    {
        new string('(', 5000) + "1" + new string(')', 5000),
        new string('!', 5000) + "true",
        new string('-', 5000) + "1",
        string.Concat(Enumerable.Repeat("[", 5000)) + "1" + string.Concat(Enumerable.Repeat("]", 5000)),
        string.Concat(Enumerable.Repeat("{1:", 5000)) + "1" + new string('}', 5000),
        "1" + string.Concat(Enumerable.Repeat(" + 1", 5000)),
        "a" + string.Concat(Enumerable.Repeat(".b", 5000)),
        "[1]" + string.Concat(Enumerable.Repeat("[0]", 5000)),
        string.Concat(Enumerable.Repeat("true ? 1 : ", 5000)) + "2",
        string.Concat(Enumerable.Repeat("f(", 5000)) + "1" + new string(')', 5000),
    };

    [Theory]
    [MemberData(nameof(DeepExpressions))]
    public void An_over_deep_expression_is_a_compile_error_not_a_stack_overflow(string source)
    {
        var error = Assert.Throws<CelCompileException>(() => CelTestContext.Compile(source));
        Assert.Contains("nested more than 250 levels", error.Message);
    }

    [Fact]
    public void A_long_chain_of_alternatives_stays_within_the_depth_bound()
    {
        var source = string.Join(" || ", Enumerable.Range(0, 2000).Select(i => $"network.hostname == 'h{i}.com'"));
        var program = CelTestContext.Compile(source);
        Assert.Equal(true, program.Evaluate(CelTestContext.WithHostname("h1999.com")).Value);
        Assert.Equal(2000, program.RequiredLiteralValues(EvaluationContext.HostnameSlot)!.Count);
    }

    [Fact]
    public void An_over_long_source_is_rejected()
    {
        var error = Assert.Throws<CelCompileException>(() => CelTestContext.Compile("'" + new string('a', 200_000) + "'"));
        Assert.Contains("longer than", error.Message);
    }

    [Fact]
    public void Evaluating_a_hostname_condition_allocates_nothing()
    {
        var program = CelTestContext.Compile(
            "network.hostname == 'api.github.com' || network.hostname.endsWith('.example.com') || network.hostname in ['a.com', 'b.com']");
        var context = CelTestContext.WithHostname("other.org");
        program.Evaluate(context);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++) program.Evaluate(context);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void A_thousand_hostname_rules_evaluate_well_under_a_millisecond()
    {
        var rules = Enumerable.Range(0, 1000).Select(i => i % 2 == 0
            ? CelTestContext.Compile($"network.hostname == 'host{i}.example.com'")
            : CelTestContext.Compile($"network.hostname.endsWith('.svc{i}.internal') && http.method == 'GET'")).ToArray();
        var context = CelTestContext.WithHostname("nomatch.org");
        var best = TimeSpan.MaxValue;
        for (var round = 0; round < 20; round++)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            foreach (var rule in rules) rule.Evaluate(context);
            watch.Stop();
            if (watch.Elapsed < best) best = watch.Elapsed;
        }
        Assert.True(best < TimeSpan.FromMilliseconds(1), $"best of 20 rounds took {best.TotalMilliseconds} ms");
    }
}
