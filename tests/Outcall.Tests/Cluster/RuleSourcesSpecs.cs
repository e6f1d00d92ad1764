using System.Text;
using Outcall.Rules;
using Outcall.Tests.Rules;

namespace Outcall.Tests.Cluster;

/// <summary>
/// RuleSetLoader.LoadSources: a replicated set compiles exactly as the directory it came from did,
/// and names or sizes a directory could not produce are reported, not trusted (S003 validation).
/// </summary>
public sealed class RuleSourcesSpecs : IDisposable
{
    private const string Allow = """
        version: "1"
        rules:
          - id: allow-example
            condition: network.hostname == "example.com"
            action: allow
        """;

    private const string Block = """
        version: "1"
        rules:
          - id: block-example-admin
            condition: http.path.startsWith("/admin")
            action: block
            priority: 10
        """;

    private readonly RuleDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Sources_as_read_from_a_directory_give_the_same_rules_and_content_hash()
    {
        _directory.With("b.yaml", Allow);
        File.WriteAllBytes(Path.Combine(_directory.Path, "a.yml"), [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(Block)]);
        var fromDirectory = _directory.Load();

        var fromSources = RuleSetLoader.LoadSources(fromDirectory.Sources.Reverse().ToList(), "elsewhere");

        Assert.True(fromSources.Succeeded, string.Join("\n", fromSources.Errors));
        Assert.Equal(fromDirectory.RuleSet!.ContentHash, fromSources.RuleSet!.ContentHash);
        Assert.Equal(fromDirectory.RuleSet.Rules.Select(r => (r.Id, r.File)), fromSources.RuleSet.Rules.Select(r => (r.Id, r.File)));
        Assert.Equal(["a.yml", "b.yaml"], fromSources.Files);
        Assert.Equal("elsewhere", fromSources.RuleSet.Directory);
    }

    [Fact]
    public void Errors_in_sources_are_reported_with_file_and_rule_as_for_a_directory()
    {
        var result = RuleSetLoader.LoadSources([new RuleFile("bad.yaml", Allow.Replace("network.hostname ==", "network.hostname =="[..^1]))], "o");

        Assert.False(result.Succeeded);
        var error = Assert.Single(result.Errors);
        Assert.Equal(("bad.yaml", "allow-example"), (error.File, error.RuleId));
    }

    [Theory]
    [InlineData("../etc/passwd.yaml")]
    [InlineData("sub/rules.yaml")]
    [InlineData("c:\\rules.yaml")]
    [InlineData("rules.txt")]
    [InlineData("")]
    [InlineData(".hidden.yaml")]
    [InlineData("new\nline.yaml")]
    public void A_name_no_directory_listing_would_give_is_an_error(string name)
    {
        var result = RuleSetLoader.LoadSources([new RuleFile(name, Allow)], "o");

        Assert.False(result.Succeeded);
        Assert.Contains("not a plain *.yaml or *.yml file name", Assert.Single(result.Errors).Message);
    }

    [Fact]
    public void Two_files_of_one_name_are_an_error()
    {
        var result = RuleSetLoader.LoadSources([new RuleFile("a.yaml", Allow), new RuleFile("a.yaml", Block)], "o");

        Assert.Contains(result.Errors, e => e.File == "a.yaml" && e.Message.Contains("two files of this name"));
    }

    [Fact]
    public void A_file_over_the_size_limit_is_an_error_as_it_is_on_disk()
    {
        var result = RuleSetLoader.LoadSources([new RuleFile("huge.yaml", new string('#', RuleSetLoader.MaxFileBytes + 1))], "o");

        Assert.Contains("larger than", Assert.Single(result.Errors).Message);
    }

    [Fact]
    public void Too_many_files_is_one_error()
    {
        var files = Enumerable.Range(0, RuleSetLoader.MaxSourceFiles + 1).Select(i => new RuleFile($"r{i}.yaml", "")).ToList();

        Assert.Contains("more than", Assert.Single(RuleSetLoader.LoadSources(files, "o").Errors).Message);
    }
}
