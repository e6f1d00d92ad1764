namespace Outcall.Rules.Cel;

/// <summary>Lexical categories of CEL source.</summary>
internal enum CelTokenKind
{
    End,
    Identifier,
    Int,
    Uint,
    Double,
    String,
    Bytes,
    True,
    False,
    Null,
    In,
    LParen, RParen, LBracket, RBracket, LBrace, RBrace,
    Dot, Comma, Colon, Question,
    Plus, Minus, Star, Slash, Percent,
    Not, Eq, Ne, Lt, Le, Gt, Ge, And, Or,
}
