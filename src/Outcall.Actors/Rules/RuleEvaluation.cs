namespace Outcall.Rules;

/// <summary>A condition that could not be judged at run time (error or non-boolean): a non-match plus this warning.</summary>
public sealed record RuleWarning(string RuleId, string File, string Message);

public sealed record RuleEvaluation(Verdict Verdict, IReadOnlyList<RuleWarning> Warnings)
{
    /// <summary>The set that decided, kept by reference so an explanation can be traced against exactly that set; null when no set did.</summary>
    public RuleSet? DecidedBy { get; init; }

    /// <summary>The deciding rule's position in <see cref="DecidedBy"/>; -1 for the default policy or when no set decided.</summary>
    public int RuleIndex { get; init; } = -1;
}
