namespace Outcall.Rules;

/// <summary>What loading a rules directory produced: the rule set, or every error found.</summary>
public sealed record RuleLoadResult(RuleSet? RuleSet, IReadOnlyList<RuleLoadError> Errors, IReadOnlyList<RuleLoadWarning> Warnings)
{
    public bool Succeeded => RuleSet is not null && Errors.Count == 0;
    /// <summary>The rule file names that were read, in load order (for summaries such as `rules check`).</summary>
    public IReadOnlyList<string> Files { get; init; } = [];
    /// <summary>The files that were read, as read (what a cluster replicates); empty when nothing was read.</summary>
    public IReadOnlyList<RuleFile> Sources { get; init; } = [];
}
