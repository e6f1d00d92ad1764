namespace Outcall.Rules.Cel;

/// <summary>
/// A runtime error flowing through evaluation as a value, so errors cost no exception and
/// &amp;&amp; / || can absorb them. Messages name operations and types only, never data values.
/// </summary>
internal sealed class CelError(string message)
{
    public string Message { get; } = message;

    public static readonly CelError DivideByZero = new("division by zero");
    public static readonly CelError ModulusByZero = new("modulus by zero");
    public static readonly CelError IntOverflow = new("integer overflow");
    public static readonly CelError UintOverflow = new("unsigned integer overflow");
    public static readonly CelError NoSuchKey = new("no such key");
    public static readonly CelError IndexOutOfRange = new("index out of range");

    public static CelError NoOverload(string function, params ReadOnlySpan<object?> args)
    {
        var types = new string[args.Length];
        for (var i = 0; i < args.Length; i++) types[i] = CelValues.TypeName(args[i]);
        return new CelError($"no such overload: {function}({string.Join(", ", types)})");
    }
}
