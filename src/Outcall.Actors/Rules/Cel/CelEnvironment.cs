namespace Outcall.Rules.Cel;

/// <summary>
/// The declarations a condition is checked against. Each variable gets a slot number (its index in
/// the list given to Create); at run time the activation is asked for values by slot, so no string
/// lookups happen on the evaluation path.
/// </summary>
public sealed class CelEnvironment
{
    public IReadOnlyList<CelVariable> Variables { get; }
    private CelEnvironment(IReadOnlyList<CelVariable> variables) => Variables = variables;
    public static CelEnvironment Create(IEnumerable<CelVariable> variables) => new(variables.ToArray());
    /// <summary>Slot of a qualified name, or -1.</summary>
    public int SlotOf(string qualifiedName)
    {
        for (var i = 0; i < Variables.Count; i++) if (Variables[i].Name == qualifiedName) return i;
        return -1;
    }
}
