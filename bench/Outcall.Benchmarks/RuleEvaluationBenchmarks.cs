using BenchmarkDotNet.Attributes;
using Outcall.Rules;
using Outcall.Tests.Rules;

namespace Outcall.Benchmarks;

/// <summary>
/// RuleSet.Evaluate on realistic sets of 1 and 1,000 rules (S003 budget: 50 ms, "far below" with 1000+ rules).
/// A matching host hits the hostname index, a suffix host the suffix index (`endsWith(".svc27.internal")`, the last priority band);
/// an unknown host runs every rule the index cannot rule out.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class RuleEvaluationBenchmarks
{
    private RuleSet _rules = RuleSet.Empty("");

    private readonly EvaluationContext _indexedHost = Request("host0.example.com", "/api/v1/items", EvaluationContext.EmptyMap);
    private readonly EvaluationContext _headerCheck = Request("registry.npmjs.org", "/left-pad", new Dictionary<string, string> { ["user-agent"] = "npm/3.1" });
    private readonly EvaluationContext _suffixHost = Request("api.svc27.internal", "/", EvaluationContext.EmptyMap);
    private readonly EvaluationContext _unknownHost = Request("nowhere.example.org", "/", EvaluationContext.EmptyMap);

    [Params(1, 1000)]
    public int RuleCount { get; set; }

    [GlobalSetup]
    public void LoadRules()
    {
        var directory = Directory.CreateTempSubdirectory("outcall-bench-");
        try
        {
            File.WriteAllText(Path.Combine(directory.FullName, "rules.yaml"), RealisticRules.Yaml(RuleCount));
            var result = RuleSetLoader.Load(directory.FullName);
            _rules = result.RuleSet ?? throw new InvalidOperationException(string.Join("\n", result.Errors));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Benchmark]
    public Verdict IndexedHost() => _rules.Evaluate(_indexedHost).Verdict;

    [Benchmark]
    public Verdict HeaderCheck() => _rules.Evaluate(_headerCheck).Verdict;

    [Benchmark]
    public Verdict SuffixHost() => _rules.Evaluate(_suffixHost).Verdict;

    [Benchmark]
    public Verdict UnknownHost() => _rules.Evaluate(_unknownHost).Verdict;

    private static EvaluationContext Request(string hostname, string path, IReadOnlyDictionary<string, string> headers) => new()
    {
        NetworkHostname = hostname, NetworkPort = 443, HttpMethod = "GET", HttpPath = path, HttpHost = hostname, HttpHeaders = headers,
    };
}
