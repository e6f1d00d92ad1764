namespace Outcall.Rules.Cel;

/// <summary>Internal compile switches. SkipTypeCheck resolves names but checks no types (the conformance suite's unchecked cases).</summary>
internal sealed record CelCompileOptions(bool SkipTypeCheck = false)
{
    public static readonly CelCompileOptions Default = new();
}
