namespace Outcall.Rules.Cel;

/// <summary>A condition compiled to closures. Immutable, so one instance serves all threads.</summary>
internal sealed class CelCompiledProgram(string source, CelType resultType, CelNode root, CelEval evaluate, int localCount) : CelProgram
{
    public override string Source { get; } = source;
    public override CelType ResultType { get; } = resultType;

    public override CelResult Evaluate(ICelActivation activation)
    {
        try
        {
            var value = evaluate(activation, localCount == 0 ? null : new object?[localCount]);
            return value is CelError error ? CelResult.Fail(error.Message) : CelResult.Of(value);
        }
        catch (Exception e)
        {
            // The activation is outside our control; a failure there is still only a runtime error.
            return CelResult.Fail($"evaluation failed: {e.GetType().Name}");
        }
    }

    public override IReadOnlySet<string>? RequiredLiteralValues(int slot) =>
        ValueRequirement(slot) is { IsExactStrings: true } requirement ? requirement.Strings : null;

    public override CelValueRequirement? ValueRequirement(int slot) => CelLiteralHints.Requirement(root, slot);
}
