using Outcall.Rules.Cel;

namespace Outcall.Rules;

/// <summary>One rule as loaded: its source condition (definitions expanded) and compiled program.</summary>
public sealed record CompiledRule(
    string Id, string File, int Line, RuleAction Action, int Priority, bool Log, string? Description,
    bool AllowPrivateIps, string Condition, string ExpandedCondition, CelProgram Program, EgressMode Mode = EgressMode.Proxy);
