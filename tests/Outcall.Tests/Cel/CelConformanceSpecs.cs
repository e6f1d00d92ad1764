using System.Text.Json;
using Outcall.Rules.Cel;

namespace Outcall.Tests.Cel;

/// <summary>
/// FR-007 rule conditions: the cel-spec "simple" conformance vectors (see NOTICE.md). Each record is one
/// case, keyed "file/section/name". Records with check:false run without the type checker, as upstream does.
/// </summary>
public class CelConformanceSpecs
{
    private sealed record Vector(string File, string Section, string Name, string Expr, JsonElement Expect, bool Check)
    {
        public string Key => $"{File}/{Section}/{Name}";
    }

    private static readonly Lazy<IReadOnlyDictionary<string, Vector>> Vectors = new(() =>
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Cel", "cel-spec-simple.json");
        var options = new JsonSerializerOptions { PropertyNameCaseInsensitive = true };
        var records = JsonSerializer.Deserialize<List<Vector>>(File.ReadAllText(path), options)!;
        return records.ToDictionary(r => r.Key);
    });

    /// <summary>
    /// Records we knowingly do not pass, each with its reason. Empty today; kept explicit (and
    /// checked below) so an exclusion can never be silent.
    /// </summary>
    private static readonly IReadOnlyDictionary<string, string> Excluded = new Dictionary<string, string>();

    public static TheoryData<string> Keys()
    {
        var data = new TheoryData<string>();
        foreach (var key in Vectors.Value.Keys.Where(k => !Excluded.ContainsKey(k)).Order(StringComparer.Ordinal)) data.Add(key);
        return data;
    }

    [Theory]
    [MemberData(nameof(Keys))]
    public void A_conformance_vector_evaluates_to_its_expected_result(string key)
    {
        var vector = Vectors.Value[key];
        var program = CelCompiler.Compile(vector.Expr, CelEnvironment.Create([]), new CelCompileOptions(SkipTypeCheck: !vector.Check));
        var result = program.Evaluate(EmptyActivation.Instance);

        if (vector.Expect.ValueKind == JsonValueKind.String)
        {
            Assert.Equal("error", vector.Expect.GetString());
            Assert.True(result.IsError, $"expected a runtime error, got {result.Value}");
        }
        else
        {
            Assert.False(result.IsError, result.Error);
            Assert.Equal(vector.Expect.GetBoolean(), Assert.IsType<bool>(result.Value));
        }
    }

    [Fact]
    public void The_vector_file_holds_all_739_records_with_unique_keys() => Assert.Equal(739, Vectors.Value.Count);

    [Fact]
    public void Every_excluded_vector_exists_and_the_exclusions_stay_few()
    {
        Assert.True(Excluded.Count <= 5, "more than 5 conformance exclusions");
        Assert.All(Excluded, e =>
        {
            Assert.True(Vectors.Value.ContainsKey(e.Key), $"excluded vector '{e.Key}' does not exist");
            Assert.False(string.IsNullOrWhiteSpace(e.Value));
        });
    }

    private sealed class EmptyActivation : ICelActivation
    {
        public static readonly EmptyActivation Instance = new();
        public object? GetVariable(int slot) => throw new ArgumentOutOfRangeException(nameof(slot));
    }
}
