namespace Outcall.Rules;

/// <summary>A load problem that does not stop the rules from loading (e.g. an unused definition, FR-016).</summary>
public sealed record RuleLoadWarning(string File, int Line, string Message)
{
    public override string ToString() => $"{File}{(Line > 0 ? $":{Line}" : "")}: {Message}";
}
