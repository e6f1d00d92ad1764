using Outcall.Rules;

namespace Outcall.Tests.Cel;

/// <summary>
/// RequiredLiteralValues, the hostname index hint: the sets it proves, the shapes it refuses (null),
/// and soundness (a hostname outside the set never makes the condition true).
/// </summary>
public class CelLiteralHintSpecs
{
    private const int Hostname = EvaluationContext.HostnameSlot;

    public static TheoryData<string, string[]> Proven => new()
    {
        { "network.hostname == 'a.com'", ["a.com"] },
        { "'a.com' == network.hostname", ["a.com"] },
        { "network.hostname in ['a.com', 'b.com']", ["a.com", "b.com"] },
        { "network.hostname == 'a.com' && network.port == 443", ["a.com"] },
        { "network.port == 443 && network.hostname == 'a.com'", ["a.com"] },
        { "network.hostname in ['a', 'b'] && network.hostname in ['b', 'c']", ["b"] },
        { "network.hostname == 'a' && network.hostname == 'b'", [] },
        { "network.hostname == 'a' || network.hostname == 'b'", ["a", "b"] },
        { "(network.hostname == 'a' || network.hostname in ['b']) && http.method == 'GET'", ["a", "b"] },
        { "((network.hostname == 'a'))", ["a"] },
        { ".network.hostname == 'a'", ["a"] },
        { "network.hostname == 'a' || network.hostname == 'b' || network.hostname == 'c' || network.hostname == 'd'", ["a", "b", "c", "d"] },
    };

    [Theory]
    [MemberData(nameof(Proven))]
    public void A_provable_condition_yields_its_hostname_set(string source, string[] expected)
    {
        var set = CelTestContext.Compile(source).RequiredLiteralValues(Hostname);
        Assert.NotNull(set);
        Assert.Equal(expected.Order(StringComparer.Ordinal), set.Order(StringComparer.Ordinal));
    }

    public static TheoryData<string> Unprovable => new()
    {
        "network.hostname != 'a'",
        "network.hostname == 'a' || network.port == 1",
        "network.port == 1 || network.hostname == 'a'",
        "network.hostname.endsWith('.a')",
        "!(network.hostname == 'a')",
        "network.hostname in http.headers",
        "network.hostname in ['a', network.ip]",
        "network.ip == 'a'",
        "true",
        "[network.hostname].exists(h, h == 'a')",
        "['a'].exists(network, network == 'a')",
        "network.hostname == 'a' ? true : false",
        "network.hostname == network.ip",
        "network.hostname == 'a' == true",
        "!(network.hostname != 'a')",
    };

    [Theory]
    [MemberData(nameof(Unprovable))]
    public void A_condition_without_a_provable_hostname_set_yields_null(string source) =>
        Assert.Null(CelTestContext.Compile(source).RequiredLiteralValues(Hostname));

    [Fact]
    public void The_hint_is_for_the_slot_asked_about_only() =>
        Assert.Null(CelTestContext.Compile("network.hostname == 'a'").RequiredLiteralValues(EvaluationContext.Environment.SlotOf("network.ip")));

    private static readonly string[] Candidates = ["a", "b", "c", "d", "a.com", "b.com", "", "A", "a ", "api.github.com"];

    [Theory]
    [MemberData(nameof(Proven))]
    public void A_hostname_outside_the_set_never_makes_the_condition_true(string source, string[] expected)
    {
        var program = CelTestContext.Compile(source);
        foreach (var hostname in Candidates.Where(c => !expected.Contains(c)))
        {
            var result = program.Evaluate(CelTestContext.WithHostname(hostname));
            Assert.False(result.Value is true, $"'{source}' is true for '{hostname}'");
        }
        foreach (var hostname in expected)
            Assert.False(program.Evaluate(CelTestContext.WithHostname(hostname)).IsError);
    }
}
