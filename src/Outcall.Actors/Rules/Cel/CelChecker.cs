namespace Outcall.Rules.Cel;

/// <summary>
/// Resolves names against the environment (longest declared qualified name wins; macro variables shadow)
/// and infers types, reporting type errors with positions. With <c>checkTypes</c> false only names are
/// resolved and every type is dyn, as the conformance suite's unchecked cases require.
/// </summary>
internal sealed class CelChecker
{
    private readonly CelEnvironment _environment;
    private readonly bool _checkTypes;
    private readonly List<(string Name, int Local, CelType Type)> _scopes = [];

    public int LocalCount { get; private set; }

    public CelChecker(CelEnvironment environment, bool checkTypes)
    {
        _environment = environment;
        _checkTypes = checkTypes;
    }

    private static CelCompileException Error(CelNode at, string message) =>
        new($"type error at line {at.Line}, column {at.Column}: {message}", at.Line, at.Column);

    private static bool IsDyn(CelType t) => t == CelType.Dyn;
    private static bool IsNumeric(CelType t) => t == CelType.Int || t == CelType.Uint || t == CelType.Double;

    public CelType Check(CelNode node)
    {
        var type = Infer(node);
        node.Type = _checkTypes ? type : CelType.Dyn;
        return node.Type;
    }

    private CelType Infer(CelNode node) => node switch
    {
        CelConstNode c => ConstType(c.Value),
        CelIdentNode id => ResolveIdent(id),
        CelSelectNode select => CheckSelect(select),
        CelIndexNode index => CheckIndex(index),
        CelListNode list => CelType.ListOf(Join(list.Elements.Select(Check))),
        CelMapNode map => CheckMap(map),
        CelComprehensionNode comprehension => CheckComprehension(comprehension),
        CelCallNode call => CheckCall(call),
        _ => throw Error(node, "unsupported expression"),
    };

    private static CelType ConstType(object? value) => value switch
    {
        null => CelType.Null,
        bool => CelType.Bool,
        long => CelType.Int,
        ulong => CelType.Uint,
        double => CelType.Double,
        string => CelType.String,
        byte[] => CelType.Bytes,
        _ => CelType.Dyn,
    };

    /// <summary>The common type of literal elements: the shared type, or dyn when they differ.</summary>
    private static CelType Join(IEnumerable<CelType> types)
    {
        CelType? joined = null;
        foreach (var t in types)
        {
            if (joined is null) joined = t;
            else if (joined != t) return CelType.Dyn;
        }
        return joined ?? CelType.Dyn;
    }

    // ---- names ----

    private bool TryLocal(string name, out (string Name, int Local, CelType Type) local)
    {
        for (var i = _scopes.Count - 1; i >= 0; i--)
        {
            if (_scopes[i].Name == name) { local = _scopes[i]; return true; }
        }
        local = default;
        return false;
    }

    private CelType ResolveIdent(CelIdentNode id)
    {
        if (!id.Absolute && TryLocal(id.Name, out var local))
        {
            id.Local = local.Local;
            return local.Type;
        }
        var slot = _environment.SlotOf(id.Name);
        if (slot < 0) throw Error(id, $"undeclared reference to '{id.Name}'");
        id.Slot = slot;
        return _environment.Variables[slot].Type;
    }

    /// <summary>The dotted name a select chain spells, when it is made only of selects over an identifier.</summary>
    private static string? QualifiedName(CelNode node) => node switch
    {
        CelIdentNode id => id.Name,
        CelSelectNode { TestOnly: false } s when QualifiedName(s.Operand) is { } prefix => prefix + "." + s.Field,
        _ => null,
    };

    private static CelIdentNode? RootIdent(CelNode node) => node switch
    {
        CelIdentNode id => id,
        CelSelectNode s => RootIdent(s.Operand),
        _ => null,
    };

    private CelType CheckSelect(CelSelectNode select)
    {
        // `a.b.c` names the declared variable "a.b.c" unless `a` is a macro variable.
        if (!select.TestOnly && QualifiedName(select) is { } name && RootIdent(select) is { } root
            && (root.Absolute || !TryLocal(root.Name, out _)))
        {
            var slot = _environment.SlotOf(name);
            if (slot >= 0)
            {
                select.Slot = slot;
                return _environment.Variables[slot].Type;
            }
            if (!HasDeclaredPrefix(select.Operand))
                throw Error(root, $"undeclared reference to '{name}'");
        }
        var operand = Check(select.Operand);
        CelType fieldType;
        if (IsDyn(operand)) fieldType = CelType.Dyn;
        else if (operand is CelType.Map map && (map.Key == CelType.String || IsDyn(map.Key))) fieldType = map.Value;
        else if (_checkTypes) throw Error(select, $"type '{operand}' has no field '{select.Field}'");
        else fieldType = CelType.Dyn;
        return select.TestOnly ? CelType.Bool : fieldType;
    }

    /// <summary>Whether some prefix of a select chain resolves (to a local or a declared variable).</summary>
    private bool HasDeclaredPrefix(CelNode node) => node switch
    {
        CelIdentNode id => (!id.Absolute && TryLocal(id.Name, out _)) || _environment.SlotOf(id.Name) >= 0,
        CelSelectNode s => (QualifiedName(s) is { } n && _environment.SlotOf(n) >= 0) || HasDeclaredPrefix(s.Operand),
        _ => true,
    };

    // ---- containers ----

    private CelType CheckIndex(CelIndexNode index)
    {
        var operand = Check(index.Operand);
        var key = Check(index.Index);
        switch (operand)
        {
            case CelType.List list when key == CelType.Int || key == CelType.Uint || IsDyn(key): return list.Element;
            case CelType.Map map when Comparable(map.Key, key): return map.Value;
            case var t when IsDyn(t): return CelType.Dyn;
            default: throw NoOverload(index, "_[_]", operand, key);
        }
    }

    private CelType CheckMap(CelMapNode map)
    {
        var keys = map.Keys.Select(Check).ToArray();
        var values = map.Values.Select(Check).ToArray();
        for (var i = 0; i < keys.Length; i++)
        {
            var k = keys[i];
            if (!(k == CelType.Bool || k == CelType.Int || k == CelType.Uint || k == CelType.String || IsDyn(k)))
                throw Error(map.Keys[i], $"unsupported map key type '{k}'");
        }
        return CelType.MapOf(Join(keys), Join(values));
    }

    private CelType CheckComprehension(CelComprehensionNode node)
    {
        var range = Check(node.Range);
        var element = range switch
        {
            CelType.List list => list.Element,
            CelType.Map map => map.Key,
            _ when IsDyn(range) => CelType.Dyn,
            _ => throw Error(node.Range, $"expression of type '{range}' cannot be iterated"),
        };
        node.Local = LocalCount++;
        _scopes.Add((node.Variable, node.Local, element));
        try
        {
            if (node.Predicate is not null) RequireBool(node.Predicate, Check(node.Predicate), node.Macro.ToString());
            var transform = node.Transform is null ? CelType.Dyn : Check(node.Transform);
            return node.Macro switch
            {
                CelMacro.Map => CelType.ListOf(transform),
                CelMacro.Filter => CelType.ListOf(element),
                _ => CelType.Bool,
            };
        }
        finally
        {
            _scopes.RemoveAt(_scopes.Count - 1);
        }
    }

    private void RequireBool(CelNode node, CelType type, string what)
    {
        if (type != CelType.Bool && !IsDyn(type)) throw Error(node, $"{what} needs a bool, found '{type}'");
    }

    // ---- calls ----

    private CelCompileException NoOverload(CelNode at, string function, params CelType[] args) =>
        Error(at, $"found no matching overload for '{function}' applied to '({string.Join(", ", args.Select(a => a.ToString()))})'");

    /// <summary>Types that == may compare: the same, dyn on either side, numbers, or containers of such.</summary>
    private static bool Comparable(CelType a, CelType b) => (a, b) switch
    {
        _ when IsDyn(a) || IsDyn(b) || a == b => true,
        _ when IsNumeric(a) && IsNumeric(b) => true,
        (CelType.List x, CelType.List y) => Comparable(x.Element, y.Element),
        (CelType.Map x, CelType.Map y) => Comparable(x.Key, y.Key) && Comparable(x.Value, y.Value),
        _ => false,
    };

    private static bool Orderable(CelType a, CelType b)
    {
        if (IsNumeric(a) && IsNumeric(b)) return true;
        static bool Ordered(CelType t) => t == CelType.String || t == CelType.Bytes || t == CelType.Bool || IsNumeric(t);
        if (IsDyn(a)) return IsDyn(b) || Ordered(b);
        if (IsDyn(b)) return Ordered(a);
        return a == b && Ordered(a);
    }

    private CelType CheckCall(CelCallNode call)
    {
        var target = call.Target is null ? null : Check(call.Target);
        var args = new CelType[call.Args.Length];
        for (var i = 0; i < args.Length; i++) args[i] = Check(call.Args[i]);
        if (!_checkTypes) return CheckUntypedCall(call, target);

        switch (call.Function, target, args.Length)
        {
            case ("_&&_" or "_||_", null, 2):
                if (IsBoolish(args[0]) && IsBoolish(args[1])) return CelType.Bool;
                throw NoOverload(call, call.Function, args);
            case ("!_", null, 1):
                return IsBoolish(args[0]) ? CelType.Bool : throw NoOverload(call, "!_", args);
            case ("-_", null, 1):
                return args[0] == CelType.Int || args[0] == CelType.Double || IsDyn(args[0]) ? args[0] : throw NoOverload(call, "-_", args);
            case ("_?_:_", null, 3):
                RequireBool(call.Args[0], args[0], "the condition of ?:");
                if (args[1] == args[2]) return args[1];
                if (Unifiable(args[1], args[2])) return CelType.Dyn;
                throw NoOverload(call, "_?_:_", args);
            case ("_==_" or "_!=_", null, 2):
                return Comparable(args[0], args[1]) ? CelType.Bool : throw NoOverload(call, call.Function, args);
            case ("_<_" or "_<=_" or "_>_" or "_>=_", null, 2):
                return Orderable(args[0], args[1]) ? CelType.Bool : throw NoOverload(call, call.Function, args);
            case ("@in", null, 2):
                return args[1] switch
                {
                    CelType.List list when Comparable(args[0], list.Element) => CelType.Bool,
                    CelType.Map map when Comparable(args[0], map.Key) => CelType.Bool,
                    var t when IsDyn(t) => CelType.Bool,
                    _ => throw NoOverload(call, "@in", args),
                };
            case ("_+_", null, 2):
                return Arithmetic(call, args, allowConcatenation: true);
            case ("_-_" or "_*_" or "_/_", null, 2):
                return Arithmetic(call, args, allowConcatenation: false);
            case ("_%_", null, 2):
            {
                var t = Arithmetic(call, args, allowConcatenation: false);
                return t == CelType.Double ? throw NoOverload(call, "_%_", args) : t;
            }
            case ("size", null, 1):
                return Sized(args[0]) ? CelType.Int : throw NoOverload(call, "size", args);
            case ("size", not null, 0):
                return Sized(target) ? CelType.Int : throw NoOverload(call, "size", target);
            case ("startsWith" or "endsWith" or "contains" or "matches", not null, 1):
                return IsStringish(target) && IsStringish(args[0]) ? CelType.Bool : throw NoOverload(call, call.Function, [target, .. args]);
            case ("matches", null, 2):
                return IsStringish(args[0]) && IsStringish(args[1]) ? CelType.Bool : throw NoOverload(call, "matches", args);
            case ("lowerAscii" or "upperAscii", not null, 0):
                return IsStringish(target) ? CelType.String : throw NoOverload(call, call.Function, target);
            case ("int" or "uint" or "double" or "string" or "bool" or "bytes", null, 1):
                return Conversion(call, args[0]);
            default:
                throw Error(call, $"undeclared function '{call.Function}' with {args.Length} argument(s){(target is null ? "" : $" on '{target}'")}");
        }
    }

    /// <summary>Without type checking only the function's existence is verified; everything is dyn.</summary>
    private CelType CheckUntypedCall(CelCallNode call, CelType? target)
    {
        var known = (call.Function, call.Target is not null, call.Args.Length) switch
        {
            ("_&&_" or "_||_" or "_==_" or "_!=_" or "_<_" or "_<=_" or "_>_" or "_>=_" or "@in" or "_+_" or "_-_" or "_*_" or "_/_" or "_%_", false, 2) => true,
            ("!_" or "-_", false, 1) or ("_?_:_", false, 3) => true,
            ("size", false, 1) or ("size", true, 0) => true,
            ("startsWith" or "endsWith" or "contains" or "matches", true, 1) or ("matches", false, 2) => true,
            ("lowerAscii" or "upperAscii", true, 0) => true,
            ("int" or "uint" or "double" or "string" or "bool" or "bytes", false, 1) => true,
            _ => false,
        };
        if (!known) throw Error(call, $"undeclared function '{call.Function}' with {call.Args.Length} argument(s){(target is null ? "" : " on a receiver")}");
        return CelType.Dyn;
    }

    private static bool IsBoolish(CelType t) => t == CelType.Bool || IsDyn(t);
    private static bool IsStringish(CelType t) => t == CelType.String || IsDyn(t);
    private static bool Sized(CelType t) => t == CelType.String || t == CelType.Bytes || t is CelType.List or CelType.Map || IsDyn(t);

    private static bool Unifiable(CelType a, CelType b) => (a, b) switch
    {
        _ when IsDyn(a) || IsDyn(b) || a == b => true,
        (CelType.List x, CelType.List y) => Unifiable(x.Element, y.Element),
        (CelType.Map x, CelType.Map y) => Unifiable(x.Key, y.Key) && Unifiable(x.Value, y.Value),
        _ => false,
    };

    private CelType Arithmetic(CelCallNode call, CelType[] args, bool allowConcatenation)
    {
        var (a, b) = (args[0], args[1]);
        bool Addable(CelType t) => IsNumeric(t) || (allowConcatenation && (t == CelType.String || t == CelType.Bytes || t is CelType.List));
        if (IsDyn(a) && IsDyn(b)) return CelType.Dyn;
        if (IsDyn(a)) return Addable(b) ? b : throw NoOverload(call, call.Function, args);
        if (IsDyn(b)) return Addable(a) ? a : throw NoOverload(call, call.Function, args);
        if (a is CelType.List la && b is CelType.List lb && allowConcatenation)
            return la == lb ? la : Unifiable(la.Element, lb.Element) ? CelType.ListOf(CelType.Dyn) : throw NoOverload(call, call.Function, args);
        return a == b && Addable(a) ? a : throw NoOverload(call, call.Function, args);
    }

    private CelType Conversion(CelCallNode call, CelType arg)
    {
        var (result, accepted) = call.Function switch
        {
            "int" => (CelType.Int, new[] { CelType.Int, CelType.Uint, CelType.Double, CelType.String }),
            "uint" => (CelType.Uint, [CelType.Int, CelType.Uint, CelType.Double, CelType.String]),
            "double" => (CelType.Double, [CelType.Int, CelType.Uint, CelType.Double, CelType.String]),
            "string" => (CelType.String, [CelType.Int, CelType.Uint, CelType.Double, CelType.String, CelType.Bool, CelType.Bytes]),
            "bool" => (CelType.Bool, [CelType.Bool, CelType.String]),
            _ => (CelType.Bytes, [CelType.Bytes, CelType.String]),
        };
        return IsDyn(arg) || accepted.Contains(arg) ? result : throw NoOverload(call, call.Function, arg);
    }
}
