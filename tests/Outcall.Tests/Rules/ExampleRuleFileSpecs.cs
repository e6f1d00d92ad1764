using System.Diagnostics;
using Outcall.Rules;

namespace Outcall.Tests.Rules;

/// <summary>
/// Outcall's own example rule file (S003 spec, "Rule file format"; source in Examples/NOTICE.md) loads
/// unchanged: its `run.tool == "git" &amp;&amp; "-f" in run.flags` type-checks against S003-IF-013.
/// </summary>
public sealed class ExampleRuleFileSpecs : IDisposable
{
    private static readonly string Example = Path.Combine(AppContext.BaseDirectory, "Rules", "Examples", "00-s003-example.yaml");
    private readonly RuleDirectory _directory = new();

    public ExampleRuleFileSpecs() => File.Copy(Example, Path.Combine(_directory.Path, Path.GetFileName(Example)));

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Outcall_rules_check_loads_the_S003_example_unchanged()
    {
        // From a directory without hocon/outcall.conf: the command needs no config file.
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = _directory.Path,
        };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "outcall.dll"), "rules", "check", "--rules-dir", _directory.Path })
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(process.ExitCode == 0, await stderr);
        Assert.Equal("2 rules in 1 file, OK", (await stdout).Trim());
    }

    [Fact]
    public void The_example_allows_the_GitHub_API_and_blocks_a_force_push()
    {
        var rules = _directory.LoadValid();

        var api = rules.Evaluate(Requests.To("github.com", "POST", "/api/v3/repos")).Verdict;
        var forcePush = rules.Evaluate(new EvaluationContext { RunTool = "git", RunFlags = ["push", "-f"] }).Verdict;

        Assert.Equal((RuleAction.Allow, "allow-github-api"), (api.Decision, api.RuleId));
        Assert.Equal((RuleAction.Block, "block-force-push", true), (forcePush.Decision, forcePush.RuleId, forcePush.Logged));
    }
}
