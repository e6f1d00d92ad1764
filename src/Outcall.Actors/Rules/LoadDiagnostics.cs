namespace Outcall.Rules;

/// <summary>
/// Collects every load problem rather than stopping at the first, up to a bound so a hostile file
/// cannot make the report itself unbounded.
/// </summary>
internal sealed class LoadDiagnostics
{
    internal const int MaxErrors = 1000;
    private const int MaxQuotedLength = 80;

    private readonly List<RuleLoadError> _errors = [];
    private readonly List<RuleLoadWarning> _warnings = [];

    public IReadOnlyList<RuleLoadError> Errors => _errors;
    public IReadOnlyList<RuleLoadWarning> Warnings => _warnings;
    public bool HasErrors => _errors.Count > 0;

    /// <summary>
    /// Puts the errors reported since <paramref name="start"/> (one file's) in line order: a file is read in
    /// passes (schema, definitions, conditions), but people read its errors top to bottom.
    /// </summary>
    public void OrderByPositionFrom(int start)
    {
        var ordered = _errors.Skip(start).OrderBy(e => e.Line).ThenBy(e => e.Column).ToList();
        _errors.RemoveRange(start, ordered.Count);
        _errors.AddRange(ordered);
    }

    public void Error(string file, int line, int column, string? ruleId, string message)
    {
        if (_errors.Count < MaxErrors) _errors.Add(new RuleLoadError(file, line, column, ruleId, message));
        else if (_errors.Count == MaxErrors)
            _errors.Add(new RuleLoadError(file, 0, 0, null, $"more than {MaxErrors} errors; the rest are not shown"));
    }

    public void Warning(string file, int line, string message)
    {
        if (_warnings.Count < MaxErrors) _warnings.Add(new RuleLoadWarning(file, line, message));
    }

    /// <summary>User text for a message: quoted, control characters escaped, long text cut.</summary>
    public static string Quote(string text)
    {
        var cut = text.Length > MaxQuotedLength ? text[..MaxQuotedLength] : text;
        var builder = new System.Text.StringBuilder(cut.Length + 5).Append('\'');
        foreach (var c in cut)
        {
            if (char.IsControl(c)) builder.Append($"\\u{(int)c:x4}");
            else builder.Append(c);
        }
        if (cut.Length < text.Length) builder.Append("...");
        return builder.Append('\'').ToString();
    }
}
