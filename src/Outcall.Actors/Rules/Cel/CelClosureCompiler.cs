using System.Text.RegularExpressions;

namespace Outcall.Rules.Cel;

/// <summary>
/// Turns a checked expression tree into nested closures, once per condition. Names, slots, constants,
/// literal sets and literal regular expressions are all bound here, so evaluation does no lookups by name.
/// </summary>
internal static class CelClosureCompiler
{
    private const RegexOptions PatternOptions = RegexOptions.NonBacktracking | RegexOptions.CultureInvariant;

    public static CelEval Compile(CelNode node) => node switch
    {
        CelConstNode c => Constant(c.Value is bool b ? CelValues.Box(b) : c.Value),
        CelIdentNode { Local: >= 0 } id => LocalVariable(id.Local),
        CelIdentNode id => Variable(id.Slot),
        CelSelectNode { Slot: >= 0 } s => Variable(s.Slot),
        CelSelectNode s => Select(s),
        CelIndexNode index => Binary(Compile(index.Operand), Compile(index.Index), CelValues.Index),
        CelListNode list => List(list),
        CelMapNode map => Map(map),
        CelComprehensionNode comprehension => Comprehension(comprehension),
        CelCallNode call => Call(call),
        _ => throw new CelCompileException($"unsupported expression at line {node.Line}, column {node.Column}", node.Line, node.Column),
    };

    private static CelEval Constant(object? value) => (_, _) => value;
    private static CelEval Variable(int slot) => (a, _) => a.GetVariable(slot);
    private static CelEval LocalVariable(int local) => (_, l) => l![local];

    private static CelEval Unary(CelEval operand, Func<object?, object?> op) => (a, l) =>
    {
        var x = operand(a, l);
        return x is CelError ? x : op(x);
    };

    private static CelEval Binary(CelEval left, CelEval right, Func<object?, object?, object?> op) => (a, l) =>
    {
        var x = left(a, l);
        if (x is CelError) return x;
        var y = right(a, l);
        return y is CelError ? y : op(x, y);
    };

    private static CelEval Select(CelSelectNode node)
    {
        var operand = Compile(node.Operand);
        var field = node.Field;
        return node.TestOnly ? Unary(operand, x => CelValues.HasField(x, field)) : Unary(operand, x => CelValues.Select(x, field));
    }

    private static CelEval List(CelListNode node)
    {
        if (node.Elements.All(e => e is CelConstNode))
        {
            object? constant = node.Elements.Select(e => ((CelConstNode)e).Value is bool b ? CelValues.Box(b) : ((CelConstNode)e).Value).ToArray();
            return Constant(constant);
        }
        var elements = node.Elements.Select(Compile).ToArray();
        return (a, l) =>
        {
            var values = new object?[elements.Length];
            for (var i = 0; i < elements.Length; i++)
            {
                var v = elements[i](a, l);
                if (v is CelError) return v;
                values[i] = v;
            }
            return values;
        };
    }

    private static CelEval Map(CelMapNode node)
    {
        var keys = node.Keys.Select(Compile).ToArray();
        var values = node.Values.Select(Compile).ToArray();
        CelEval build = (a, l) =>
        {
            var k = new object?[keys.Length];
            var v = new object?[values.Length];
            for (var i = 0; i < keys.Length; i++)
            {
                var key = keys[i](a, l);
                if (key is CelError) return key;
                var value = values[i](a, l);
                if (value is CelError) return value;
                (k[i], v[i]) = (key, value);
            }
            return CelMap.Create(k, v);
        };
        // A map of constants is built once (its value, or its error, never changes).
        return IsConstant(node) ? Constant(build(NoVariables.Instance, null)) : build;
    }

    private static bool IsConstant(CelNode node) => node switch
    {
        CelConstNode => true,
        CelListNode list => list.Elements.All(IsConstant),
        CelMapNode map => map.Keys.All(IsConstant) && map.Values.All(IsConstant),
        _ => false,
    };

    private sealed class NoVariables : ICelActivation
    {
        public static readonly NoVariables Instance = new();
        public object? GetVariable(int slot) => null;
    }

    private static CelEval Comprehension(CelComprehensionNode node)
    {
        var range = Compile(node.Range);
        var predicate = node.Predicate is null ? null : Compile(node.Predicate);
        var transform = node.Transform is null ? null : Compile(node.Transform);
        var local = node.Local;
        var macro = node.Macro;
        var name = macro switch
        {
            CelMacro.All => "all",
            CelMacro.Exists => "exists",
            CelMacro.ExistsOne => "exists_one",
            CelMacro.Map => "map",
            _ => "filter",
        };
        return (a, l) =>
        {
            var container = range(a, l);
            if (container is CelError) return container;
            IEnumerable<object?> items;
            if (container is IReadOnlyList<object?> list) items = list;
            else if (container is not null && CelValues.IsMap(container)) items = CelValues.MapKeys(container);
            else return CelError.NoOverload(name, container);

            object? pending = null;
            var count = 0;
            List<object?>? results = macro is CelMacro.Map or CelMacro.Filter ? [] : null;
            foreach (var item in items)
            {
                l![local] = item;
                object? test = predicate is null ? CelValues.True : predicate(a, l);
                switch (macro)
                {
                    case CelMacro.All:
                        if (test is false) return CelValues.False;
                        if (test is not true) pending ??= test as CelError ?? CelError.NoOverload("all", test);
                        break;
                    case CelMacro.Exists:
                        if (test is true) return CelValues.True;
                        if (test is not false) pending ??= test as CelError ?? CelError.NoOverload("exists", test);
                        break;
                    case CelMacro.ExistsOne:
                        if (test is true) count++;
                        else if (test is not false) return test as CelError ?? CelError.NoOverload("exists_one", test);
                        break;
                    default:
                        if (test is not bool include) return test as CelError ?? CelError.NoOverload(name, test);
                        if (!include) break;
                        var value = transform is null ? item : transform(a, l);
                        if (value is CelError) return value;
                        results!.Add(value);
                        break;
                }
            }
            return macro switch
            {
                CelMacro.All => pending ?? CelValues.True,
                CelMacro.Exists => pending ?? CelValues.False,
                CelMacro.ExistsOne => CelValues.Box(count == 1),
                _ => results!.ToArray(),
            };
        };
    }

    private static CelEval Call(CelCallNode call)
    {
        var args = call.Args;
        switch (call.Function)
        {
            case "_&&_": return And(Compile(args[0]), Compile(args[1]));
            case "_||_": return Or(Compile(args[0]), Compile(args[1]));
            case "_?_:_": return Conditional(Compile(args[0]), Compile(args[1]), Compile(args[2]));
            case "!_": return Unary(Compile(args[0]), x => x is bool b ? CelValues.Box(!b) : CelError.NoOverload("!_", x));
            case "-_": return Unary(Compile(args[0]), CelValues.Negate);
            case "_==_": return Equality(args[0], args[1], negate: false);
            case "_!=_": return Equality(args[0], args[1], negate: true);
            case "_<_": return Relation(call, c => c < 0);
            case "_<=_": return Relation(call, c => c <= 0);
            case "_>_": return Relation(call, c => c > 0);
            case "_>=_": return Relation(call, c => c >= 0);
            case "@in": return In(args[0], args[1]);
            case "_+_": return Binary(Compile(args[0]), Compile(args[1]), CelValues.Add);
            case "_-_": return Binary(Compile(args[0]), Compile(args[1]), CelValues.Subtract);
            case "_*_": return Binary(Compile(args[0]), Compile(args[1]), CelValues.Multiply);
            case "_/_": return Binary(Compile(args[0]), Compile(args[1]), CelValues.Divide);
            case "_%_": return Binary(Compile(args[0]), Compile(args[1]), CelValues.Modulo);
            case "size": return Unary(Compile(call.Target ?? args[0]), CelValues.Size);
            case "int": return Unary(Compile(args[0]), CelValues.ToInt);
            case "uint": return Unary(Compile(args[0]), CelValues.ToUint);
            case "double": return Unary(Compile(args[0]), CelValues.ToDouble);
            case "string": return Unary(Compile(args[0]), CelValues.ToStringValue);
            case "bool": return Unary(Compile(args[0]), CelValues.ToBool);
            case "bytes": return Unary(Compile(args[0]), CelValues.ToBytes);
            case "lowerAscii": return Unary(Compile(call.Target!), x => x is string s ? CelValues.LowerAscii(s) : CelError.NoOverload("lowerAscii", x));
            case "upperAscii": return Unary(Compile(call.Target!), x => x is string s ? CelValues.UpperAscii(s) : CelError.NoOverload("upperAscii", x));
            case "startsWith": return StringTest(call.Target!, args[0], "startsWith", (s, t) => s.StartsWith(t, StringComparison.Ordinal));
            case "endsWith": return StringTest(call.Target!, args[0], "endsWith", (s, t) => s.EndsWith(t, StringComparison.Ordinal));
            case "contains": return StringTest(call.Target!, args[0], "contains", (s, t) => s.Contains(t, StringComparison.Ordinal));
            case "matches": return Matches(call.Target ?? args[0], call.Target is null ? args[1] : args[0]);
            default: throw new CelCompileException($"undeclared function '{call.Function}' at line {call.Line}, column {call.Column}", call.Line, call.Column);
        }
    }

    /// <summary>CEL's commutative &amp;&amp;: false wins over errors on either side; errors and non-bools otherwise propagate.</summary>
    private static CelEval And(CelEval left, CelEval right) => (a, l) =>
    {
        var x = left(a, l);
        if (x is false) return CelValues.False;
        var y = right(a, l);
        if (y is false) return CelValues.False;
        if (x is true) return y is true ? CelValues.True : y as CelError ?? CelError.NoOverload("_&&_", x, y);
        return x as CelError ?? CelError.NoOverload("_&&_", x, y);
    };

    private static CelEval Or(CelEval left, CelEval right) => (a, l) =>
    {
        var x = left(a, l);
        if (x is true) return CelValues.True;
        var y = right(a, l);
        if (y is true) return CelValues.True;
        if (x is false) return y is false ? CelValues.False : y as CelError ?? CelError.NoOverload("_||_", x, y);
        return x as CelError ?? CelError.NoOverload("_||_", x, y);
    };

    private static CelEval Conditional(CelEval condition, CelEval whenTrue, CelEval whenFalse) => (a, l) =>
    {
        var c = condition(a, l);
        if (c is true) return whenTrue(a, l);
        if (c is false) return whenFalse(a, l);
        return c as CelError ?? CelError.NoOverload("_?_:_", c);
    };

    private static CelEval Equality(CelNode leftNode, CelNode rightNode, bool negate)
    {
        // The hot shape for rules: a variable compared with a string literal.
        var (other, literal) = rightNode is CelConstNode { Value: string r } ? (leftNode, r)
            : leftNode is CelConstNode { Value: string l } ? (rightNode, l) : (null, null);
        if (other is not null)
        {
            var operand = Compile(other);
            return (a, l) =>
            {
                var x = operand(a, l);
                if (x is string s) return CelValues.Box(string.Equals(s, literal, StringComparison.Ordinal) != negate);
                return x is CelError ? x : CelValues.Box(negate);
            };
        }
        var left = Compile(leftNode);
        var right = Compile(rightNode);
        return (a, l) =>
        {
            var x = left(a, l);
            if (x is CelError) return x;
            var y = right(a, l);
            return y is CelError ? y : CelValues.Box(CelValues.Equal(x, y) != negate);
        };
    }

    private static CelEval Relation(CelCallNode call, Func<int, bool> test)
    {
        var function = call.Function;
        return Binary(Compile(call.Args[0]), Compile(call.Args[1]), (x, y) => CelValues.Relation(function, x, y, test));
    }

    private static CelEval In(CelNode elementNode, CelNode containerNode)
    {
        var element = Compile(elementNode);
        // `x in ["a", "b", ...]` becomes one hash lookup.
        if (containerNode is CelListNode list && list.Elements.Length > 0 && list.Elements.All(e => e is CelConstNode { Value: string }))
        {
            var set = new HashSet<string>(list.Elements.Select(e => (string)((CelConstNode)e).Value!), StringComparer.Ordinal);
            return (a, l) =>
            {
                var x = element(a, l);
                if (x is string s) return CelValues.Box(set.Contains(s));
                return x is CelError ? x : CelValues.False;
            };
        }
        return Binary(element, Compile(containerNode), CelValues.In);
    }

    private static CelEval StringTest(CelNode targetNode, CelNode argumentNode, string function, Func<string, string, bool> test)
    {
        var target = Compile(targetNode);
        if (argumentNode is CelConstNode { Value: string literal })
        {
            return (a, l) =>
            {
                var x = target(a, l);
                if (x is string s) return CelValues.Box(test(s, literal));
                return x is CelError ? x : CelError.NoOverload(function, x, literal);
            };
        }
        return Binary(target, Compile(argumentNode), (x, y) =>
            x is string s && y is string t ? CelValues.Box(test(s, t)) : CelError.NoOverload(function, x, y));
    }

    private static CelEval Matches(CelNode targetNode, CelNode patternNode)
    {
        var target = Compile(targetNode);
        if (patternNode is CelConstNode { Value: string pattern })
        {
            var regex = LiteralRegex(pattern, patternNode);
            return Unary(target, x => x is string s ? CelValues.Box(regex.IsMatch(s)) : CelError.NoOverload("matches", x));
        }
        return Binary(target, Compile(patternNode), (x, y) =>
        {
            if (x is not string s || y is not string p) return CelError.NoOverload("matches", x, y);
            Regex regex;
            try { regex = new Regex(p, PatternOptions); }
            catch (Exception e) when (e is ArgumentException or NotSupportedException) { return new CelError("invalid regular expression"); }
            return CelValues.Box(regex.IsMatch(s));
        });
    }

    private static Regex LiteralRegex(string pattern, CelNode at)
    {
        try { return new Regex(pattern, PatternOptions); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            throw new CelCompileException($"invalid regular expression at line {at.Line}, column {at.Column}: {e.Message}", at.Line, at.Column);
        }
    }
}
