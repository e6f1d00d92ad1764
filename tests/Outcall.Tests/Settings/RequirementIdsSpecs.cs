using System.Text.RegularExpressions;

namespace Outcall.Tests.Settings;

/// <summary>docs/REQUIREMENTS.md gives the meaning of every requirement id the code and tests cite.</summary>
public sealed partial class RequirementIdsSpecs
{
    [Fact]
    public void Every_requirement_id_cited_in_src_and_tests_is_in_docs_REQUIREMENTS()
    {
        var listed = RepositoryFiles.Read("docs/REQUIREMENTS.md");
        var cited = new[] { "src", "tests" }
            .SelectMany(folder => Directory.EnumerateFiles(RepositoryFiles.PathOf(folder), "*.cs", SearchOption.AllDirectories))
            .Where(file => !file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(file => RequirementId().Matches(File.ReadAllText(file)).Select(match => match.Value))
            .Select(id => id.StartsWith("S006-", StringComparison.Ordinal) ? id["S006-".Length..] : id) // bare ids are S006's
            .ToHashSet();

        Assert.Empty(cited.Where(id => !listed.Contains($"| {id} |", StringComparison.Ordinal)).Order());
    }

    [GeneratedRegex(@"\b(S0[0-9]{2}-)?(FR|EC|IF|SC|AS|US)-[0-9]{3}\b")]
    private static partial Regex RequirementId();
}
