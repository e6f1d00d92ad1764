namespace Outcall.Rules;

/// <summary>What a matching rule does with a request (S003-IF-012 `action`).</summary>
public enum RuleAction { Allow, Block }
