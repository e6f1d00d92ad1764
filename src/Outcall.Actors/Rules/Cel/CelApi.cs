// CONTRACT FILE: the public surface of the CEL implementation, relied on by Rules/.
// The CEL work replaces the NotImplementedException bodies and may split types into their own files,
// but must keep these names and signatures.
namespace Outcall.Rules.Cel;

/// <summary>Static types of the CEL subset we check against.</summary>
public abstract record CelType
{
    public static readonly CelType Bool = new Primitive("bool");
    public static readonly CelType Int = new Primitive("int");
    public static readonly CelType Uint = new Primitive("uint");
    public static readonly CelType Double = new Primitive("double");
    public static readonly CelType String = new Primitive("string");
    public static readonly CelType Bytes = new Primitive("bytes");
    public static readonly CelType Null = new Primitive("null_type");
    public static readonly CelType Dyn = new Primitive("dyn");
    public static CelType ListOf(CelType element) => new List(element);
    public static CelType MapOf(CelType key, CelType value) => new Map(key, value);

    public sealed record Primitive(string Name) : CelType { public override string ToString() => Name; }
    public sealed record List(CelType Element) : CelType { public override string ToString() => $"list({Element})"; }
    public sealed record Map(CelType Key, CelType Value) : CelType { public override string ToString() => $"map({Key}, {Value})"; }
}

/// <summary>A declared variable, by its qualified name (e.g. "network.hostname").</summary>
public sealed record CelVariable(string Name, CelType Type);

/// <summary>
/// The declarations a condition is checked against. Each variable gets a slot number (its index in
/// the list given to Create); at run time the activation is asked for values by slot, so no string
/// lookups happen on the evaluation path.
/// </summary>
public sealed class CelEnvironment
{
    public IReadOnlyList<CelVariable> Variables { get; }
    private CelEnvironment(IReadOnlyList<CelVariable> variables) => Variables = variables;
    public static CelEnvironment Create(IEnumerable<CelVariable> variables) => new(variables.ToArray());
    /// <summary>Slot of a qualified name, or -1.</summary>
    public int SlotOf(string qualifiedName)
    {
        for (var i = 0; i < Variables.Count; i++) if (Variables[i].Name == qualifiedName) return i;
        return -1;
    }
}

/// <summary>
/// Supplies variable values at evaluation time. Values are plain .NET objects:
/// string, long (int), ulong (uint), double, bool, null, byte[] (bytes),
/// IReadOnlyList&lt;object?&gt; (list), IReadOnlyDictionary&lt;string, string&gt; or
/// IReadOnlyDictionary&lt;object, object?&gt; (map).
/// </summary>
public interface ICelActivation
{
    object? GetVariable(int slot);
}

/// <summary>A syntax or type error found at compile time, with a 1-based position in the source.</summary>
public sealed class CelCompileException(string message, int line, int column) : Exception(message)
{
    public int Line { get; } = line;
    public int Column { get; } = column;
}

/// <summary>Outcome of one evaluation: a value, or a runtime error (never an exception).</summary>
public readonly record struct CelResult(object? Value, string? Error)
{
    public bool IsError => Error is not null;
    public static CelResult Of(object? value) => new(value, null);
    public static CelResult Fail(string error) => new(null, error);
}

/// <summary>A condition compiled once, evaluated many times, thread-safe.</summary>
public abstract class CelProgram
{
    public abstract string Source { get; }
    /// <summary>The static result type found by the checker (Dyn when it cannot be known).</summary>
    public abstract CelType ResultType { get; }
    /// <summary>Evaluates; runtime errors (overflow, division by zero, no such key...) come back as CelResult.Fail.</summary>
    public abstract CelResult Evaluate(ICelActivation activation);
    /// <summary>
    /// When the condition can only be true if the string variable <paramref name="slot"/> equals one of a
    /// finite set of literals (e.g. `network.hostname == "a" &amp;&amp; ...`, `network.hostname in ["a","b"]`,
    /// or an `||` of such), that set; otherwise null. Used to index rules by exact hostname.
    /// Must be sound: if the result is non-null and the variable's value is not in it, Evaluate
    /// never returns true.
    /// </summary>
    public abstract IReadOnlySet<string>? RequiredLiteralValues(int slot);
    /// <summary>
    /// The general form of <see cref="RequiredLiteralValues"/>: when the condition can only be true if the
    /// variable <paramref name="slot"/> equals one of some string or int literals or ends with one of some
    /// string literals (e.g. `network.hostname.endsWith(".a") &amp;&amp; ...`, `network.port == 443`), that
    /// requirement; otherwise null. Used to index rules by hostname suffix and port. Must be sound: if the
    /// variable's value does not meet a non-null requirement, Evaluate never returns true. The default
    /// reports what RequiredLiteralValues knows.
    /// </summary>
    public virtual CelValueRequirement? ValueRequirement(int slot) =>
        RequiredLiteralValues(slot) is { } values ? CelValueRequirement.OneOf(values) : null;
}

public static class CelCompiler
{
    /// <summary>Parses, type-checks against <paramref name="environment"/>, and compiles. Throws CelCompileException.</summary>
    public static CelProgram Compile(string source, CelEnvironment environment) => Compile(source, environment, CelCompileOptions.Default);

    internal static CelProgram Compile(string source, CelEnvironment environment, CelCompileOptions options)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(environment);
        var root = CelParser.Parse(source);
        var checker = new CelChecker(environment, checkTypes: !options.SkipTypeCheck);
        var resultType = checker.Check(root);
        var evaluate = CelClosureCompiler.Compile(root);
        return new CelCompiledProgram(source, resultType, root, evaluate, checker.LocalCount);
    }
}
