namespace Outcall.Rules;

/// <summary>
/// <c>outcall.rules.mode</c> (issue 15): enforce refuses what the rules block; observe lets it through and records it
/// as WOULD_BLOCK, so an operator can watch real traffic before writing the allowlist. Enforce is the default.
/// </summary>
public enum RulesMode { Enforce, Observe }
