namespace Outcall.Rules.Cel;

/// <summary>A syntax or type error found at compile time, with a 1-based position in the source.</summary>
public sealed class CelCompileException(string message, int line, int column) : Exception(message)
{
    public int Line { get; } = line;
    public int Column { get; } = column;
}
