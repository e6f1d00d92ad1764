namespace Outcall.Rules;

/// <summary>A condition that could not be judged at run time (error or non-boolean): a non-match plus this warning.</summary>
public sealed record RuleWarning(string RuleId, string File, string Message);

public sealed record RuleEvaluation(Verdict Verdict, IReadOnlyList<RuleWarning> Warnings);
