namespace Outcall.Rules.Cel;

/// <summary>
/// Finds what a variable must be for a condition to be true, for indexing rules by hostname and port.
/// Only shapes whose soundness is evident are recognised:
/// v == "a", "a" == v, v == 443, v in ["a", "b"], v in [80, 443], v.endsWith("a"),
/// A &amp;&amp; B (either side's requirement, or both intersected) and A || B (the union, only when
/// both sides have one). Anything else gives null.
/// <para>
/// Why errors cannot break this: CEL's &amp;&amp; is true only when both sides are true (an error
/// on either side gives false or an error, never true), and || is true only when a side is true.
/// So a true condition means every conjunct of an &amp;&amp; held, or some branch of an || held,
/// and the variable meets that part's requirement. Moreover each recognised leaf is plainly false
/// (not an error) for a string or int value it does not admit, and false absorbs errors in
/// &amp;&amp; and ||, so a condition whose requirement the value misses evaluates to false: skipping
/// it changes neither the verdict nor the warnings.
/// </para>
/// </summary>
internal static class CelLiteralHints
{
    public static CelValueRequirement? Requirement(CelNode node, int slot) =>
        Find(node, slot) is { } found ? new CelValueRequirement(found.Strings, found.Integers, found.Suffixes) : null;

    private static Found? Find(CelNode node, int slot)
    {
        if (node is not CelCallNode call) return null;
        var args = call.Args;
        switch (call.Function)
        {
            case "endsWith" when call.Target is { } target && IsVariable(target, slot)
                                 && args is [CelConstNode { Value: string suffix }]:
                // Every string ends with "": no constraint at all.
                return suffix.Length == 0 ? null : new Found { Suffixes = { suffix } };
            case "_==_" when call.Target is null && IsVariable(args[0], slot):
                return Literal(args[1]);
            case "_==_" when call.Target is null && IsVariable(args[1], slot):
                return Literal(args[0]);
            case "@in" when call.Target is null && IsVariable(args[0], slot) && args[1] is CelListNode list:
                return OneOf(list);
            case "_&&_" when call.Target is null:
            {
                // True only when both sides are true, so the value meets both requirements.
                var left = Find(args[0], slot);
                var right = Find(args[1], slot);
                if (left is null) return right;
                if (right is null) return left;
                return Intersect(left, right);
            }
            case "_||_" when call.Target is null:
            {
                // True when either side is true; an unconstrained side means anything goes.
                var left = Find(args[0], slot);
                if (left is null) return null;
                var right = Find(args[1], slot);
                if (right is null) return null;
                left.Strings.UnionWith(right.Strings);
                left.Integers.UnionWith(right.Integers);
                left.Suffixes.UnionWith(right.Suffixes);
                return left;
            }
            default:
                return null;
        }
    }

    private static Found? Literal(CelNode node) => node switch
    {
        CelConstNode { Value: string text } => new Found { Strings = { text } },
        CelConstNode { Value: long number } => new Found { Integers = { number } },
        _ => null,
    };

    /// <summary>A list of string literals or of int literals; a mixed or computed list is not recognised.</summary>
    private static Found? OneOf(CelListNode list)
    {
        var found = new Found();
        foreach (var element in list.Elements)
        {
            switch (element)
            {
                case CelConstNode { Value: string text } when found.Integers.Count == 0: found.Strings.Add(text); break;
                case CelConstNode { Value: long number } when found.Strings.Count == 0: found.Integers.Add(number); break;
                default: return null;
            }
        }
        return found;
    }

    /// <summary>
    /// Exactly the values both admit: a string of one side the other side admits; an int in both;
    /// and, for two suffixes a string ends with at once, the longer (two suffixes of one string are
    /// nested; when neither contains the other no string has both).
    /// </summary>
    private static Found Intersect(Found left, Found right)
    {
        var both = new Found();
        foreach (var text in left.Strings) if (right.Admits(text)) both.Strings.Add(text);
        foreach (var text in right.Strings) if (left.Admits(text)) both.Strings.Add(text);
        foreach (var number in left.Integers) if (right.Integers.Contains(number)) both.Integers.Add(number);
        foreach (var a in left.Suffixes)
            foreach (var b in right.Suffixes)
            {
                if (a.EndsWith(b, StringComparison.Ordinal)) both.Suffixes.Add(a);
                else if (b.EndsWith(a, StringComparison.Ordinal)) both.Suffixes.Add(b);
            }
        return both;
    }

    private static bool IsVariable(CelNode node, int slot) => node switch
    {
        CelIdentNode { Local: < 0 } id => id.Slot == slot,
        CelSelectNode { TestOnly: false } s => s.Slot == slot,
        _ => false,
    };

    /// <summary>A requirement while it is being built (mutable; published as a CelValueRequirement).</summary>
    private sealed class Found
    {
        public HashSet<string> Strings { get; } = new(StringComparer.Ordinal);
        public HashSet<long> Integers { get; } = [];
        public HashSet<string> Suffixes { get; } = new(StringComparer.Ordinal);

        public bool Admits(string text)
        {
            if (Strings.Contains(text)) return true;
            foreach (var suffix in Suffixes)
                if (text.EndsWith(suffix, StringComparison.Ordinal)) return true;
            return false;
        }
    }
}
