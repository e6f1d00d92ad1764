using FsCheck.Xunit;
using Outcall.Rules;
using Outcall.Rules.Cel;

namespace Outcall.Tests.Rules;

/// <summary>The hostname index must give exactly the verdicts of a plain first-match scan (S003 ordering, evaluation budget).</summary>
public sealed class HostnameIndexSpecs
{
    private static readonly string[] Hostnames = ["a.example", "b.example", "c.example", ""];

    /// <summary>
    /// Each int describes one rule: which hostnames it is limited to (and whether it says so to the index),
    /// which port it needs, whether it errors, and its action. The index may skip rules; it must never
    /// change which rule wins.
    /// </summary>
    [Property(MaxTest = 300)]
    public void Indexed_evaluation_gives_the_verdict_of_a_linear_scan(int[] ruleCodes, byte hostnameChoice, bool port443)
    {
        var rules = ruleCodes.Select((code, i) => RuleFrom(code, i)).ToArray();
        var set = FakeProgram.Set(rules);
        var request = Requests.To(Hostnames[hostnameChoice % Hostnames.Length], port: port443 ? 443 : 80);

        Assert.Equal(LinearScan(rules, request), set.Evaluate(request).Verdict);
    }

    [Fact]
    public void Unindexed_rules_keep_their_place_between_indexed_ones()
    {
        var onlyA = new HashSet<string> { "a.example" };
        var set = FakeProgram.Set(
            FakeProgram.Rule("a-port-80", RuleAction.Allow, new FakeProgram(c => c.NetworkHostname == "a.example" && c.NetworkPort == 80 ? FakeProgram.True : FakeProgram.False, onlyA)),
            FakeProgram.Rule("everything-443", RuleAction.Block, new FakeProgram(c => c.NetworkPort == 443 ? FakeProgram.True : FakeProgram.False)),
            FakeProgram.Rule("a-any", RuleAction.Allow, new FakeProgram(c => c.NetworkHostname == "a.example" ? FakeProgram.True : FakeProgram.False, onlyA)));

        Assert.Equal("a-port-80", set.Evaluate(Requests.To("a.example", port: 80)).Verdict.RuleId);
        Assert.Equal("everything-443", set.Evaluate(Requests.To("a.example", port: 443)).Verdict.RuleId);
        Assert.Equal("everything-443", set.Evaluate(Requests.To("b.example", port: 443)).Verdict.RuleId);
        Assert.Null(set.Evaluate(Requests.To("b.example", port: 80)).Verdict.RuleId);
    }

    [Fact]
    public void With_real_conditions_indexed_evaluation_matches_a_linear_scan()
    {
        using var directory = new RuleDirectory().With("rules.yaml", RealisticRules.Yaml(200));
        var set = directory.LoadValid();
        var requests = Enumerable.Range(0, 220).SelectMany(i => new[]
        {
            Requests.To($"host{i}.example.com", path: i % 3 == 0 ? "/api/v1" : "/"),
            Requests.To($"svc{i}.internal", method: i % 2 == 0 ? "POST" : "GET", port: 8443),
            Requests.To("registry.npmjs.org", headers: new Dictionary<string, string> { ["user-agent"] = i % 2 == 0 ? "npm/10" : "curl" }),
        });

        foreach (var request in requests)
            Assert.Equal(LinearScan(set.Rules, request), set.Evaluate(request).Verdict);
    }

    private static Verdict LinearScan(IReadOnlyList<CompiledRule> rules, EvaluationContext request)
    {
        foreach (var rule in rules)
        {
            if (rule.Program.Evaluate(request) is { IsError: false, Value: true })
                return new Verdict(rule.Action, rule.Id, rule.File, $"rule {rule.Id}", rule.Log, rule.AllowPrivateIps);
        }
        return new Verdict(RuleAction.Block, null, null, "default policy: no rule matched", false, false);
    }

    private static CompiledRule RuleFrom(int code, int position)
    {
        var bits = (uint)code;
        var limitedTo = Hostnames.Where((_, i) => (bits & (1u << i)) != 0).ToHashSet(StringComparer.Ordinal);
        var limited = (bits & 0x10) != 0;
        var tellsIndex = (bits & 0x20) != 0;
        long? port = (bits & 0xC0) switch { 0x40 => 443, 0x80 => 80, _ => null };
        var fails = (bits & 0x300) == 0x300;
        var program = new FakeProgram(
            context =>
            {
                if (limited && !limitedTo.Contains(context.NetworkHostname)) return FakeProgram.False;
                if (fails) return CelResult.Fail("boom");
                return port is null || context.NetworkPort == port ? FakeProgram.True : FakeProgram.False;
            },
            limited && tellsIndex ? limitedTo : null);
        var action = (bits & 0x400) != 0 ? RuleAction.Allow : RuleAction.Block;
        return FakeProgram.Rule($"r{position}", action, program, log: (bits & 0x800) != 0);
    }
}
