namespace Outcall.Rules;

/// <summary>
/// One rule file as text: its name (no directory) and its content exactly as decoded, a leading
/// byte order mark included, so re-encoding it gives back the bytes the content hash was taken over.
/// </summary>
public sealed record RuleFile(string Name, string Content);
