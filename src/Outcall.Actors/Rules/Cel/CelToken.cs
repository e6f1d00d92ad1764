namespace Outcall.Rules.Cel;

/// <summary>
/// One lexeme with its 1-based position. Int and Uint literals carry their magnitude in
/// <see cref="Magnitude"/> so the parser can fold a leading minus into the most negative int.
/// </summary>
internal readonly record struct CelToken(CelTokenKind Kind, string Text, int Line, int Column, object? Value = null, ulong Magnitude = 0)
{
    public string Describe() => Kind switch
    {
        CelTokenKind.End => "end of input",
        CelTokenKind.String => "string literal",
        CelTokenKind.Bytes => "bytes literal",
        _ => $"'{Text}'",
    };
}
