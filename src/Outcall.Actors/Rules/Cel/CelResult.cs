namespace Outcall.Rules.Cel;

/// <summary>Outcome of one evaluation: a value, or a runtime error (never an exception).</summary>
public readonly record struct CelResult(object? Value, string? Error)
{
    public bool IsError => Error is not null;
    public static CelResult Of(object? value) => new(value, null);
    public static CelResult Fail(string error) => new(null, error);
}
