using FsCheck.Xunit;
using Outcall.Rules;
using Outcall.Rules.Cel;

namespace Outcall.Tests.Rules;

/// <summary>The hostname index must give exactly the verdicts of a plain first-match scan (S003 ordering, evaluation budget).</summary>
public sealed class HostnameIndexSpecs
{
    // Exact names, names that end with a suffix only off a label boundary ("xa.example" ends with
    // "a.example", "a.bexample" with "example" but not ".example"), and the empty name.
    private static readonly string[] Hostnames = ["a.example", "b.example", "c.example", "", "xa.example", "a.bexample"];
    private static readonly string[] Suffixes = [".example", "a.example", "example", ""];
    private static readonly long[] Ports = [443, 80, 8080];

    /// <summary>
    /// Each int describes one rule: which exact hostnames and suffixes it is limited to (and whether it
    /// says so to the index), which port it needs (and whether it says so), whether it errors or gives
    /// a non-bool, and its action. The index may skip rules; it must never change which rule wins, nor
    /// which rules are reported as unevaluable.
    /// </summary>
    [Property(MaxTest = 500)]
    public void Indexed_evaluation_gives_the_verdict_of_a_linear_scan(int[] ruleCodes, byte hostnameChoice, byte portChoice)
    {
        var rules = ruleCodes.Select((code, i) => RuleFrom(code, i)).ToArray();
        var set = FakeProgram.Set(rules);
        var request = Requests.To(Hostnames[hostnameChoice % Hostnames.Length], port: Ports[portChoice % Ports.Length]);

        var evaluation = set.Evaluate(request);
        var (verdict, warned) = LinearScan(rules, request);
        Assert.Equal(verdict, evaluation.Verdict);
        Assert.Equal(warned, evaluation.Warnings.Select(w => w.RuleId));
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
            Requests.To($"api.svc{i}.internal"),
            Requests.To($"xsvc{i}.internal"),
            Requests.To($"a.xsvc{i}.internal", method: "HEAD", port: 8000 + i),
            Requests.To("nowhere.example.org", port: 8000 + i),
            Requests.To("registry.npmjs.org", headers: new Dictionary<string, string> { ["user-agent"] = i % 2 == 0 ? "npm/10" : "curl" }),
        });

        foreach (var request in requests)
        {
            var evaluation = set.Evaluate(request);
            var (verdict, warned) = LinearScan(set.Rules, request);
            Assert.Equal(verdict, evaluation.Verdict);
            Assert.Equal(warned, evaluation.Warnings.Select(w => w.RuleId));
        }
    }

    /// <summary>
    /// Real CEL conditions built from hostname equality, `in` lists, endsWith (also negated), port
    /// equality and lists, a header lookup that errors when the header is missing, and the method,
    /// joined by &amp;&amp; and ||: the index must agree with a plain scan on verdict and warnings.
    /// </summary>
    [Property(MaxTest = 300)]
    public void With_generated_conditions_indexed_evaluation_gives_the_result_of_a_linear_scan(
        int[] ruleCodes, byte hostnameChoice, byte portChoice, bool withHeader)
    {
        var rules = ruleCodes.Select((code, i) => FakeProgram.Rule(
            $"r{i}", (Scatter(code) & 1) == 0 ? RuleAction.Allow : RuleAction.Block,
            CelCompiler.Compile(ConditionFrom(Scatter(code) >> 1), EvaluationContext.Environment))).ToArray();
        var set = FakeProgram.Set(rules);
        var request = Requests.To(Hostnames[hostnameChoice % Hostnames.Length], port: Ports[portChoice % Ports.Length],
            headers: withHeader ? new Dictionary<string, string> { ["x-team"] = "infra" } : null);

        var evaluation = set.Evaluate(request);
        var (verdict, warned) = LinearScan(rules, request);
        Assert.Equal(verdict, evaluation.Verdict);
        Assert.Equal(warned, evaluation.Warnings.Select(w => w.RuleId));
    }

    private static string ConditionFrom(uint bits)
    {
        string Leaf(uint b)
        {
            var host = Hostnames[(b >> 3) % (uint)Hostnames.Length];
            var other = Hostnames[(b >> 6) % (uint)Hostnames.Length];
            var suffix = Suffixes[(b >> 3) % (uint)Suffixes.Length];
            var port = Ports[(b >> 3) % (uint)Ports.Length];
            return (b & 7) switch
            {
                0 => $"network.hostname == '{host}'",
                1 => $"network.hostname in ['{host}', '{other}']",
                2 => $"network.hostname.endsWith('{suffix}')",
                3 => $"network.port == {port}",
                4 => $"network.port in [{port}, 80]",
                5 => "http.headers['x-team'] == 'infra'",
                6 => "http.method == 'GET'",
                _ => $"!network.hostname.endsWith('{suffix}')",
            };
        }
        string Join(uint b) => (b & 1) == 0 ? " && " : " || ";
        var a = Leaf(bits >> 4);
        var b = Leaf(bits >> 13);
        var c = Leaf(bits >> 22);
        return (bits & 3) switch
        {
            0 => a,
            1 => a + Join(bits >> 2) + b,
            2 => $"({a}{Join(bits >> 2)}{b}){Join(bits >> 3)}{c}",
            _ => $"{a}{Join(bits >> 2)}({b}{Join(bits >> 3)}{c})",
        };
    }

    private static (Verdict Verdict, List<string> Warned) LinearScan(IReadOnlyList<CompiledRule> rules, EvaluationContext request)
    {
        var warned = new List<string>();
        foreach (var rule in rules)
        {
            var result = rule.Program.Evaluate(request);
            if (result is { IsError: false, Value: true })
                return (new Verdict(rule.Action, rule.Id, rule.File, $"rule {rule.Id}", rule.Log, rule.AllowPrivateIps), warned);
            if (result.IsError || result.Value is not bool) warned.Add(rule.Id);
        }
        return (new Verdict(RuleAction.Block, null, null, "default policy: no rule matched", false, false), warned);
    }

    /// <summary>
    /// A fake condition honest to CEL's rules: a hostname or port outside what it requires makes it
    /// false (false absorbs errors in &amp;&amp;); only then may it fail or return a non-bool.
    /// </summary>
    private static CompiledRule RuleFrom(int code, int position)
    {
        var bits = Scatter(code);
        var exact = Hostnames.Where((_, i) => (bits & (1u << i)) != 0).ToHashSet(StringComparer.Ordinal);
        var suffixes = Suffixes.Where((_, i) => (bits & (1u << (6 + i))) != 0).ToHashSet(StringComparer.Ordinal);
        var limited = (bits & (1u << 10)) != 0;
        var tellsHostname = (bits & (1u << 11)) != 0;
        long? port = ((bits >> 12) & 3) switch { 1 => 443, 2 => 80, _ => null };
        var tellsPort = (bits & (1u << 14)) != 0;
        var fails = ((bits >> 15) & 3) == 3;
        var nonBool = ((bits >> 17) & 7) == 7;
        var program = new FakeProgram(
            context =>
            {
                var hostname = context.NetworkHostname;
                if (limited && !exact.Contains(hostname) && !suffixes.Any(s => hostname.EndsWith(s, StringComparison.Ordinal)))
                    return FakeProgram.False;
                if (port is not null && context.NetworkPort != port) return FakeProgram.False;
                if (fails) return CelResult.Fail("boom");
                return nonBool ? CelResult.Of("yes") : FakeProgram.True;
            },
            hostnameRequirement: limited && tellsHostname ? new CelValueRequirement(exact, null, suffixes) : null,
            portRequirement: port is { } required && tellsPort ? new CelValueRequirement(null, new HashSet<long> { required }, null) : null);
        var action = (bits & (1u << 20)) != 0 ? RuleAction.Allow : RuleAction.Block;
        return FakeProgram.Rule($"r{position}", action, program, log: (bits & (1u << 21)) != 0);
    }

    /// <summary>FsCheck's ints are small; mixing spreads them over all the bits the rule description uses.</summary>
    private static uint Scatter(int code)
    {
        var x = (uint)code * 0x9E3779B1u;
        x ^= x >> 15;
        x *= 0x85EBCA77u;
        return x ^ (x >> 13);
    }
}
