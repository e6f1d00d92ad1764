namespace Outcall.Rules.Cel;

/// <summary>
/// A parsed expression node with its 1-based source position. The checker annotates nodes in place
/// (<see cref="Type"/>, resolved variable slots and macro locals); the closure compiler reads those
/// annotations, so nothing is resolved by name at evaluation time.
/// </summary>
internal abstract class CelNode(int line, int column, int depth)
{
    public int Line { get; } = line;
    public int Column { get; } = column;
    /// <summary>Height of the subtree; bounded by the parser so later recursive passes cannot overflow the stack.</summary>
    public int Depth { get; } = depth;
    public CelType Type { get; set; } = CelType.Dyn;

    protected static int DepthOf(params ReadOnlySpan<CelNode?> children)
    {
        var max = 0;
        foreach (var child in children) if (child is not null && child.Depth > max) max = child.Depth;
        return max + 1;
    }
}

internal sealed class CelConstNode(int line, int column, object? value) : CelNode(line, column, 1)
{
    public object? Value { get; } = value;
}

/// <summary>A bare name; the checker resolves it to a declared variable (slot) or a macro local.</summary>
internal sealed class CelIdentNode(int line, int column, string name, bool absolute) : CelNode(line, column, 1)
{
    public string Name { get; } = name;
    /// <summary>Written with a leading dot: never a macro local.</summary>
    public bool Absolute { get; } = absolute;
    public int Slot { get; set; } = -1;
    public int Local { get; set; } = -1;
}

/// <summary>`operand.field`; when <see cref="Slot"/> is set, the whole chain names a declared variable.</summary>
internal sealed class CelSelectNode(int line, int column, CelNode operand, string field, bool testOnly)
    : CelNode(line, column, DepthOf(operand))
{
    public CelNode Operand { get; } = operand;
    public string Field { get; } = field;
    /// <summary>The argument of has(): tests presence instead of reading.</summary>
    public bool TestOnly { get; } = testOnly;
    public int Slot { get; set; } = -1;
}

internal sealed class CelIndexNode(int line, int column, CelNode operand, CelNode index)
    : CelNode(line, column, DepthOf(operand, index))
{
    public CelNode Operand { get; } = operand;
    public CelNode Index { get; } = index;
}

/// <summary>A function, method or operator call. Operators use CEL's internal names, e.g. "_+_", "!_", "_?_:_".</summary>
internal sealed class CelCallNode(int line, int column, CelNode? target, string function, CelNode[] args)
    : CelNode(line, column, Math.Max(DepthOf(target), DepthOf(args)))
{
    public CelNode? Target { get; } = target;
    public string Function { get; } = function;
    public CelNode[] Args { get; } = args;
}

internal sealed class CelListNode(int line, int column, CelNode[] elements) : CelNode(line, column, DepthOf(elements))
{
    public CelNode[] Elements { get; } = elements;
}

internal sealed class CelMapNode(int line, int column, CelNode[] keys, CelNode[] values)
    : CelNode(line, column, Math.Max(DepthOf(keys), DepthOf(values)))
{
    public CelNode[] Keys { get; } = keys;
    public CelNode[] Values { get; } = values;
}

internal enum CelMacro { All, Exists, ExistsOne, Map, Filter }

/// <summary>A macro over a list or map: `range.all(var, predicate)`, `range.map(var, [filter,] transform)`, ...</summary>
internal sealed class CelComprehensionNode(int line, int column, CelMacro macro, CelNode range, string variable, CelNode? predicate, CelNode? transform)
    : CelNode(line, column, DepthOf(range, predicate, transform))
{
    public CelMacro Macro { get; } = macro;
    public CelNode Range { get; } = range;
    public string Variable { get; } = variable;
    public CelNode? Predicate { get; } = predicate;
    public CelNode? Transform { get; } = transform;
    public int Local { get; set; } = -1;
}
