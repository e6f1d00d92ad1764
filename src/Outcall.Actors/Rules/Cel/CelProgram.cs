namespace Outcall.Rules.Cel;

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
