namespace Outcall.Rules.Cel;

/// <summary>
/// Recursive-descent parser for CEL with the language's precedence:
/// ?: , ||, &amp;&amp;, relations, + -, * / %, unary ! -, member/index/call.
/// Nesting is bounded (<see cref="MaxDepth"/>) so hostile input ends in a CelCompileException, never a stack overflow.
/// </summary>
internal sealed class CelParser
{
    public const int MaxDepth = 250;
    public const int MaxSourceLength = 100_000;

    private static readonly HashSet<string> ReservedWords =
    [
        "as", "break", "const", "continue", "else", "for", "function", "if", "import", "let", "loop",
        "package", "namespace", "return", "var", "void", "while", "in", "true", "false", "null",
    ];

    private readonly List<CelToken> _tokens;
    private int _index;
    private int _recursion;

    private CelParser(List<CelToken> tokens) => _tokens = tokens;

    public static CelNode Parse(string source)
    {
        if (source.Length > MaxSourceLength)
            throw new CelCompileException($"expression is longer than {MaxSourceLength} characters", 1, 1);
        var parser = new CelParser(CelLexer.Tokenize(source));
        var root = parser.ParseExpr();
        parser.Expect(CelTokenKind.End, "end of expression");
        return root;
    }

    private CelToken Current => _tokens[_index];
    private CelToken Take() => _tokens[_index++];

    private bool Accept(CelTokenKind kind)
    {
        if (Current.Kind != kind) return false;
        _index++;
        return true;
    }

    private CelToken Expect(CelTokenKind kind, string what)
    {
        if (Current.Kind != kind) throw Error($"expected {what} but found {Current.Describe()}", Current);
        return Take();
    }

    private static CelCompileException Error(string message, CelToken at) => Error(message, at.Line, at.Column);

    private static CelCompileException Error(string message, int line, int column) =>
        new($"syntax error at line {line}, column {column}: {message}", line, column);

    private T Bounded<T>(T node) where T : CelNode =>
        node.Depth > MaxDepth ? throw Error($"expression is nested more than {MaxDepth} levels deep", node.Line, node.Column) : node;

    private void Enter()
    {
        if (++_recursion > MaxDepth) throw Error($"expression is nested more than {MaxDepth} levels deep", Current);
    }

    private CelNode ParseExpr()
    {
        Enter();
        var condition = ParseOr();
        if (Current.Kind == CelTokenKind.Question)
        {
            var op = Take();
            var whenTrue = ParseOr();
            Expect(CelTokenKind.Colon, "':'");
            var whenFalse = ParseExpr();
            condition = Bounded(new CelCallNode(op.Line, op.Column, null, "_?_:_", [condition, whenTrue, whenFalse]));
        }
        _recursion--;
        return condition;
    }

    private CelNode ParseOr() => ParseLogical(CelTokenKind.Or, "_||_", ParseAnd);
    private CelNode ParseAnd() => ParseLogical(CelTokenKind.And, "_&&_", ParseRelation);

    /// <summary>&amp;&amp; and || are associative, so chains become balanced trees: long `a || b || ...` lists stay shallow.</summary>
    private CelNode ParseLogical(CelTokenKind kind, string function, Func<CelNode> operand)
    {
        var first = operand();
        if (Current.Kind != kind) return first;
        var operands = new List<CelNode> { first };
        var operators = new List<CelToken>();
        while (Current.Kind == kind)
        {
            operators.Add(Take());
            operands.Add(operand());
        }
        return Balance(operands, operators, function, 0, operands.Count - 1);
    }

    private CelNode Balance(List<CelNode> operands, List<CelToken> operators, string function, int lo, int hi)
    {
        if (lo == hi) return operands[lo];
        var mid = (lo + hi) / 2;
        var op = operators[mid];
        var left = Balance(operands, operators, function, lo, mid);
        var right = Balance(operands, operators, function, mid + 1, hi);
        return Bounded(new CelCallNode(op.Line, op.Column, null, function, [left, right]));
    }

    private CelNode ParseRelation()
    {
        var left = ParseAddition();
        while (true)
        {
            var function = Current.Kind switch
            {
                CelTokenKind.Eq => "_==_",
                CelTokenKind.Ne => "_!=_",
                CelTokenKind.Lt => "_<_",
                CelTokenKind.Le => "_<=_",
                CelTokenKind.Gt => "_>_",
                CelTokenKind.Ge => "_>=_",
                CelTokenKind.In => "@in",
                _ => null,
            };
            if (function is null) return left;
            var op = Take();
            var right = ParseAddition();
            left = Bounded(new CelCallNode(op.Line, op.Column, null, function, [left, right]));
        }
    }

    private CelNode ParseAddition()
    {
        var left = ParseMultiplication();
        while (Current.Kind is CelTokenKind.Plus or CelTokenKind.Minus)
        {
            var op = Take();
            var right = ParseMultiplication();
            left = Bounded(new CelCallNode(op.Line, op.Column, null, op.Kind == CelTokenKind.Plus ? "_+_" : "_-_", [left, right]));
        }
        return left;
    }

    private CelNode ParseMultiplication()
    {
        var left = ParseUnary();
        while (Current.Kind is CelTokenKind.Star or CelTokenKind.Slash or CelTokenKind.Percent)
        {
            var op = Take();
            var right = ParseUnary();
            var function = op.Kind switch { CelTokenKind.Star => "_*_", CelTokenKind.Slash => "_/_", _ => "_%_" };
            left = Bounded(new CelCallNode(op.Line, op.Column, null, function, [left, right]));
        }
        return left;
    }

    private CelNode ParseUnary()
    {
        if (Current.Kind == CelTokenKind.Not)
        {
            var op = Take();
            Enter();
            var operand = ParseUnary();
            _recursion--;
            return Bounded(new CelCallNode(op.Line, op.Column, null, "!_", [operand]));
        }
        if (Current.Kind == CelTokenKind.Minus)
        {
            var op = Take();
            // A minus directly before an int literal is part of the literal, which is how
            // -9223372036854775808 can be written although 9223372036854775808 is out of range.
            if (Current.Kind is CelTokenKind.Int or CelTokenKind.Double && !IsMemberContinuation(_tokens[_index + 1].Kind))
            {
                var literal = Take();
                return NegatedLiteral(op, literal);
            }
            Enter();
            var operand = ParseUnary();
            _recursion--;
            return Bounded(new CelCallNode(op.Line, op.Column, null, "-_", [operand]));
        }
        return ParseMember();
    }

    private static bool IsMemberContinuation(CelTokenKind kind) => kind is CelTokenKind.Dot or CelTokenKind.LBracket;

    private static CelNode NegatedLiteral(CelToken minus, CelToken literal)
    {
        if (literal.Kind == CelTokenKind.Double) return new CelConstNode(minus.Line, minus.Column, -(double)literal.Value!);
        if (literal.Magnitude > 9223372036854775808UL) throw Error("integer literal out of range", literal);
        return new CelConstNode(minus.Line, minus.Column, literal.Magnitude == 9223372036854775808UL ? long.MinValue : -(long)literal.Magnitude);
    }

    private CelNode ParseMember()
    {
        var node = ParsePrimary();
        while (true)
        {
            if (Current.Kind == CelTokenKind.Dot)
            {
                var dot = Take();
                var name = Current;
                // Any identifier, even a reserved word, may follow a dot as a field name.
                if (name.Kind is not (CelTokenKind.Identifier or CelTokenKind.In or CelTokenKind.True or CelTokenKind.False or CelTokenKind.Null))
                    throw Error($"expected a field or method name after '.' but found {name.Describe()}", name);
                Take();
                if (Current.Kind == CelTokenKind.LParen)
                {
                    Take();
                    var args = ParseArguments();
                    node = Bounded(MemberCall(node, name, args));
                }
                else node = Bounded(new CelSelectNode(dot.Line, dot.Column, node, name.Text, testOnly: false));
            }
            else if (Current.Kind == CelTokenKind.LBracket)
            {
                var open = Take();
                var index = ParseExpr();
                Expect(CelTokenKind.RBracket, "']'");
                node = Bounded(new CelIndexNode(open.Line, open.Column, node, index));
            }
            else return node;
        }
    }

    private static CelNode MemberCall(CelNode target, CelToken name, CelNode[] args)
    {
        CelMacro? macro = (name.Text, args.Length) switch
        {
            ("all", 2) => CelMacro.All,
            ("exists", 2) => CelMacro.Exists,
            ("exists_one", 2) => CelMacro.ExistsOne,
            ("map", 2 or 3) => CelMacro.Map,
            ("filter", 2) => CelMacro.Filter,
            _ => null,
        };
        if (macro is null) return new CelCallNode(name.Line, name.Column, target, name.Text, args);
        if (args[0] is not CelIdentNode { Absolute: false } variable)
            throw Error($"the first argument of {name.Text}() must be a simple variable name", args[0].Line, args[0].Column);
        return macro switch
        {
            CelMacro.Map when args.Length == 2 => new CelComprehensionNode(name.Line, name.Column, CelMacro.Map, target, variable.Name, null, args[1]),
            CelMacro.Map => new CelComprehensionNode(name.Line, name.Column, CelMacro.Map, target, variable.Name, args[1], args[2]),
            _ => new CelComprehensionNode(name.Line, name.Column, macro.Value, target, variable.Name, args[1], null),
        };
    }

    private CelNode[] ParseArguments()
    {
        var args = new List<CelNode>();
        if (Accept(CelTokenKind.RParen)) return [];
        while (true)
        {
            args.Add(ParseExpr());
            if (Accept(CelTokenKind.RParen)) return [.. args];
            Expect(CelTokenKind.Comma, "',' or ')'");
        }
    }

    private CelNode ParsePrimary()
    {
        var token = Current;
        switch (token.Kind)
        {
            case CelTokenKind.Int:
                Take();
                if (token.Magnitude > long.MaxValue) throw Error("integer literal out of range", token);
                return new CelConstNode(token.Line, token.Column, (long)token.Magnitude);
            case CelTokenKind.Uint:
            case CelTokenKind.Double:
            case CelTokenKind.String:
            case CelTokenKind.Bytes:
                Take();
                return new CelConstNode(token.Line, token.Column, token.Value);
            case CelTokenKind.True:
                Take();
                return new CelConstNode(token.Line, token.Column, true);
            case CelTokenKind.False:
                Take();
                return new CelConstNode(token.Line, token.Column, false);
            case CelTokenKind.Null:
                Take();
                return new CelConstNode(token.Line, token.Column, null);
            case CelTokenKind.LParen:
            {
                Take();
                var inner = ParseExpr();
                Expect(CelTokenKind.RParen, "')'");
                return inner;
            }
            case CelTokenKind.LBracket:
                return ParseList();
            case CelTokenKind.LBrace:
                return ParseMap();
            case CelTokenKind.Dot:
            {
                Take();
                var name = Expect(CelTokenKind.Identifier, "an identifier after a leading '.'");
                return IdentOrCall(name, absolute: true);
            }
            case CelTokenKind.Identifier:
                Take();
                return IdentOrCall(token, absolute: false);
            default:
                throw Error($"expected an expression but found {token.Describe()}", token);
        }
    }

    private CelNode IdentOrCall(CelToken name, bool absolute)
    {
        if (ReservedWords.Contains(name.Text)) throw Error($"'{name.Text}' is a reserved word and cannot be used as an identifier", name);
        if (Current.Kind != CelTokenKind.LParen) return new CelIdentNode(name.Line, name.Column, name.Text, absolute);
        Take();
        var args = ParseArguments();
        if (name.Text == "has" && !absolute)
        {
            if (args.Length != 1 || args[0] is not CelSelectNode select)
                throw Error("has() needs exactly one argument of the form a.field", name);
            return Bounded(new CelSelectNode(select.Line, select.Column, select.Operand, select.Field, testOnly: true));
        }
        return Bounded(new CelCallNode(name.Line, name.Column, null, name.Text, args));
    }

    private CelNode ParseList()
    {
        var open = Take();
        var elements = new List<CelNode>();
        while (Current.Kind != CelTokenKind.RBracket)
        {
            elements.Add(ParseExpr());
            if (!Accept(CelTokenKind.Comma)) break;
        }
        Expect(CelTokenKind.RBracket, "',' or ']'");
        return Bounded(new CelListNode(open.Line, open.Column, [.. elements]));
    }

    private CelNode ParseMap()
    {
        var open = Take();
        var keys = new List<CelNode>();
        var values = new List<CelNode>();
        while (Current.Kind != CelTokenKind.RBrace)
        {
            keys.Add(ParseExpr());
            Expect(CelTokenKind.Colon, "':'");
            values.Add(ParseExpr());
            if (!Accept(CelTokenKind.Comma)) break;
        }
        Expect(CelTokenKind.RBrace, "',' or '}'");
        return Bounded(new CelMapNode(open.Line, open.Column, [.. keys], [.. values]));
    }
}
