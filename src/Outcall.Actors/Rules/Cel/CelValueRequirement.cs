namespace Outcall.Rules.Cel;

/// <summary>
/// What a variable's value must be for a condition to be true: one of <see cref="Strings"/>, one of
/// <see cref="Integers"/>, or a string that ends (ordinally, as CEL's endsWith) with one of
/// <see cref="Suffixes"/>. A value meeting none of them makes the condition false. Empty sets mean
/// "no value of that kind"; all three empty means the condition can never be true.
/// </summary>
public sealed class CelValueRequirement
{
    private static readonly IReadOnlySet<long> NoIntegers = new HashSet<long>();
    private static readonly IReadOnlySet<string> NoStrings = new HashSet<string>(StringComparer.Ordinal);

    public IReadOnlySet<string> Strings { get; }
    public IReadOnlySet<long> Integers { get; }
    public IReadOnlySet<string> Suffixes { get; }

    public CelValueRequirement(IReadOnlySet<string>? strings, IReadOnlySet<long>? integers, IReadOnlySet<string>? suffixes)
    {
        Strings = strings ?? NoStrings;
        Integers = integers ?? NoIntegers;
        Suffixes = suffixes ?? NoStrings;
    }

    /// <summary>The requirement "equals one of these strings" (what RequiredLiteralValues reports).</summary>
    public static CelValueRequirement OneOf(IReadOnlySet<string> strings) => new(strings, null, null);

    /// <summary>True when only exact strings are allowed: the shape RequiredLiteralValues can express.</summary>
    public bool IsExactStrings => Integers.Count == 0 && Suffixes.Count == 0;
}
