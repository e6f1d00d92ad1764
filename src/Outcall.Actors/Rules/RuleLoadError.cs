namespace Outcall.Rules;

/// <summary>A load problem, located as precisely as known (Line/Column 0 when unknown).</summary>
public sealed record RuleLoadError(string File, int Line, int Column, string? RuleId, string Message)
{
    public override string ToString() =>
        $"{File}{(Line > 0 ? $":{Line}" : "")}{(Column > 0 ? $":{Column}" : "")}{(RuleId is null ? "" : $" rule '{RuleId}'")}: {Message}";
}
