using Outcall.Rules;
using Outcall.Rules.Cel;

namespace Outcall.Tests.Cel;

/// <summary>
/// ValueRequirement, the hint behind the suffix and port indexes (S003 evaluation budget): the exact
/// strings, ints and suffixes it proves, the shapes it refuses (null), and soundness: a value the
/// requirement does not admit makes the condition plainly false, never true and never an error.
/// </summary>
public class CelValueRequirementSpecs
{
    private const int Hostname = EvaluationContext.HostnameSlot;
    private static readonly int Port = EvaluationContext.Environment.SlotOf("network.port");

    public static TheoryData<string, string[], string[]> ProvenForHostname => new()
    {
        { "network.hostname.endsWith('.a.com')", [], [".a.com"] },
        { "network.hostname.endsWith('.a') && http.method == 'POST'", [], [".a"] },
        { "http.path.startsWith('/v1/') && network.hostname.endsWith('.a')", [], [".a"] },
        { "network.hostname.endsWith('.a') || network.hostname == 'a'", ["a"], [".a"] },
        { "network.hostname.endsWith('.a') || network.hostname in ['b', 'c'] || network.hostname.endsWith('x')", ["b", "c"], [".a", "x"] },
        { "network.hostname.endsWith('.a') && network.hostname.endsWith('.b.a')", [], [".b.a"] },
        { "network.hostname.endsWith('.b.a') && network.hostname.endsWith('a')", [], [".b.a"] },
        { "network.hostname.endsWith('.a') && network.hostname.endsWith('.b')", [], [] },
        { "network.hostname == 'x.a' && network.hostname.endsWith('.a')", ["x.a"], [] },
        { "network.hostname == 'x.b' && network.hostname.endsWith('.a')", [], [] },
        { "(network.hostname.endsWith('.a') || network.hostname == 'b.c') && (network.hostname.endsWith('.c') || network.hostname == 'z.a')", ["b.c", "z.a"], [] },
        { "network.port == 8443 && network.hostname.endsWith('.example.org')", [], [".example.org"] },
        // The header may be missing (an error): false && error is false, so the suffix still rules.
        { "http.headers['x-team'] == 'infra' && network.hostname.endsWith('.corp')", [], [".corp"] },
        { "network.hostname.endsWith('.corp') && http.headers['x-team'] == 'infra'", [], [".corp"] },
    };

    [Theory]
    [MemberData(nameof(ProvenForHostname))]
    public void A_provable_condition_yields_its_hostname_strings_and_suffixes(string source, string[] strings, string[] suffixes)
    {
        var requirement = CelTestContext.Compile(source).ValueRequirement(Hostname);
        Assert.NotNull(requirement);
        Assert.Equal(strings.Order(StringComparer.Ordinal), requirement.Strings.Order(StringComparer.Ordinal));
        Assert.Equal(suffixes.Order(StringComparer.Ordinal), requirement.Suffixes.Order(StringComparer.Ordinal));
        Assert.Empty(requirement.Integers);
    }

    public static TheoryData<string, long[]> ProvenForPort => new()
    {
        { "network.port == 443", [443] },
        { "443 == network.port", [443] },
        { "network.port in [80, 443] && http.method == 'GET'", [80, 443] },
        { "network.port == 8000 && network.hostname.endsWith('.x')", [8000] },
        { "network.port == 80 || network.port == 8080", [80, 8080] },
        { "network.port in [80, 443] && network.port in [443, 8443]", [443] },
    };

    [Theory]
    [MemberData(nameof(ProvenForPort))]
    public void A_provable_condition_yields_its_ports(string source, long[] ports)
    {
        var requirement = CelTestContext.Compile(source).ValueRequirement(Port);
        Assert.NotNull(requirement);
        Assert.Equal(ports.Order(), requirement.Integers.Order());
        Assert.Empty(requirement.Strings);
        Assert.Empty(requirement.Suffixes);
    }

    public static TheoryData<string> UnprovableForHostname => new()
    {
        "network.hostname.endsWith('')",
        "network.hostname.endsWith(http.host)",
        "!network.hostname.endsWith('.a')",
        "network.hostname.endsWith('.a') || network.port == 1",
        "network.port == 1 || network.hostname.endsWith('.a')",
        "network.hostname.startsWith('a.')",
        "network.hostname.contains('.a')",
        "network.hostname.endsWith('.a') == false",
        "http.host.endsWith('.a')",
        "[network.hostname].exists(h, h.endsWith('.a'))",
        "['x.a'].exists(network, network.endsWith('.a'))",
        "network.hostname.endsWith('.a') ? false : true",
    };

    [Theory]
    [MemberData(nameof(UnprovableForHostname))]
    public void A_condition_without_a_provable_hostname_shape_yields_null(string source) =>
        Assert.Null(CelTestContext.Compile(source).ValueRequirement(Hostname));

    public static TheoryData<string> UnprovableForPort => new()
    {
        "network.port != 443",
        "network.port > 443",
        "network.port == 443 || network.hostname == 'a'",
        "network.port in [443, network.port]",
        "http.body_size == 443",
    };

    [Theory]
    [MemberData(nameof(UnprovableForPort))]
    public void A_condition_without_a_provable_port_set_yields_null(string source) =>
        Assert.Null(CelTestContext.Compile(source).ValueRequirement(Port));

    [Fact]
    public void A_suffix_requirement_is_not_reported_as_a_literal_set() =>
        Assert.Null(CelTestContext.Compile("network.hostname.endsWith('.a') || network.hostname == 'a'").RequiredLiteralValues(Hostname));

    // Label boundaries do not matter to endsWith: "xa.com" ends with "a.com", "b.xa" with "xa".
    private static readonly string[] Candidates =
        ["a", "b", "c", "x.a", "z.a", "y.b.a", "b.a", ".a", "a.com", "x.a.com", "xa.com", ".a.com", "b.c", "b.xc", "q.corp", "qcorp", "", "A", ".A"];

    [Theory]
    [MemberData(nameof(ProvenForHostname))]
    public void A_hostname_the_requirement_does_not_admit_makes_the_condition_false(string source, string[] strings, string[] suffixes)
    {
        var program = CelTestContext.Compile(source);
        foreach (var hostname in Candidates.Where(c => !strings.Contains(c) && !suffixes.Any(s => c.EndsWith(s, StringComparison.Ordinal))))
        {
            var request = new EvaluationContext { NetworkHostname = hostname, NetworkPort = 8443, HttpMethod = "POST", HttpPath = "/v1/x" };
            Assert.Equal(CelResult.Of(false), program.Evaluate(request));
        }
    }

    [Theory]
    [MemberData(nameof(ProvenForPort))]
    public void A_port_the_requirement_does_not_admit_makes_the_condition_false(string source, long[] ports)
    {
        var program = CelTestContext.Compile(source);
        foreach (var port in new long[] { 0, 1, 80, 443, 8000, 8080, 8443, 65535 }.Except(ports))
        {
            var request = new EvaluationContext { NetworkHostname = "a.x", NetworkPort = port, HttpMethod = "GET" };
            Assert.Equal(CelResult.Of(false), program.Evaluate(request));
        }
    }
}
