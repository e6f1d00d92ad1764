namespace Outcall.Rules.Cel;

/// <summary>A declared variable, by its qualified name (e.g. "network.hostname").</summary>
public sealed record CelVariable(string Name, CelType Type);
