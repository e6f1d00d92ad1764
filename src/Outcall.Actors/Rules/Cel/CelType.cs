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
