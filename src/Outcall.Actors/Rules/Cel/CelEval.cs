namespace Outcall.Rules.Cel;

/// <summary>
/// A compiled (sub)expression. <paramref name="locals"/> holds macro variables by the index the checker
/// assigned; it is null for programs without macros, so those evaluate without allocating.
/// Returns the value, or a <see cref="CelError"/>.
/// </summary>
internal delegate object? CelEval(ICelActivation activation, object?[]? locals);
