using Outcall.Rules;

namespace Outcall.Tests.Rules;

/// <summary>A per-test rules directory, deleted afterwards.</summary>
internal sealed class RuleDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("outcall-rules-").FullName;

    public RuleDirectory With(string fileName, string content)
    {
        File.WriteAllText(System.IO.Path.Combine(Path, fileName), content);
        return this;
    }

    public RuleLoadResult Load() => RuleSetLoader.Load(Path);

    /// <summary>Loads and insists on success, so a test about evaluation fails loudly on a load problem.</summary>
    public RuleSet LoadValid()
    {
        var result = Load();
        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        return result.RuleSet!;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
