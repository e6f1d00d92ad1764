namespace Outcall.Rules;

/// <summary>One rule file as read from YAML, before definitions are expanded and conditions compiled.</summary>
internal sealed record RuleFileSource(IReadOnlyList<DefinitionSource> Definitions, IReadOnlyList<RuleSource> Rules);

/// <summary>A named CEL fragment from a file's `definitions` block.</summary>
internal sealed record DefinitionSource(string Name, string Fragment, int Line, int Column);

/// <summary>
/// A rule as written. Rules with schema errors are still returned when they have an id, so their id
/// takes part in the duplicate check and their condition still gets compiled: one load reports everything.
/// </summary>
internal sealed record RuleSource(
    string Id, int Line, int Column, RuleAction Action, int Priority, bool Log, string? Description,
    bool AllowPrivateIps, RuleCondition? Condition, EgressMode Mode = EgressMode.Proxy);

/// <summary>A condition's text and where it sits in the file.</summary>
internal sealed record RuleCondition(string Text, int Line, ConditionSourceMap Map);
