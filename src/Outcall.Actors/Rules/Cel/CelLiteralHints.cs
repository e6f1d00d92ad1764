namespace Outcall.Rules.Cel;

/// <summary>
/// Finds the finite set of string literals a variable must equal for a condition to be true, for
/// indexing rules by hostname. Only shapes whose soundness is evident are recognised:
/// v == "a", "a" == v, v in ["a", "b"], A &amp;&amp; B (either side's set, or both intersected)
/// and A || B (the union, only when both sides have a set). Anything else gives null.
/// </summary>
internal static class CelLiteralHints
{
    public static HashSet<string>? RequiredValues(CelNode node, int slot)
    {
        if (node is not CelCallNode { Target: null } call) return null;
        var args = call.Args;
        switch (call.Function)
        {
            case "_==_" when IsVariable(args[0], slot) && args[1] is CelConstNode { Value: string right }:
                return new HashSet<string>(StringComparer.Ordinal) { right };
            case "_==_" when IsVariable(args[1], slot) && args[0] is CelConstNode { Value: string left }:
                return new HashSet<string>(StringComparer.Ordinal) { left };
            case "@in" when IsVariable(args[0], slot) && args[1] is CelListNode list
                                && list.Elements.All(e => e is CelConstNode { Value: string }):
                return new HashSet<string>(list.Elements.Select(e => (string)((CelConstNode)e).Value!), StringComparer.Ordinal);
            case "_&&_":
            {
                // True only when both sides are true, so the value lies in every set found.
                var left = RequiredValues(args[0], slot);
                var right = RequiredValues(args[1], slot);
                if (left is null) return right;
                if (right is not null) left.IntersectWith(right);
                return left;
            }
            case "_||_":
            {
                // True when either side is true; an unconstrained side means anything goes.
                var left = RequiredValues(args[0], slot);
                if (left is null) return null;
                var right = RequiredValues(args[1], slot);
                if (right is null) return null;
                left.UnionWith(right);
                return left;
            }
            default:
                return null;
        }
    }

    private static bool IsVariable(CelNode node, int slot) => node switch
    {
        CelIdentNode { Local: < 0 } id => id.Slot == slot,
        CelSelectNode s => s.Slot == slot,
        _ => false,
    };
}
