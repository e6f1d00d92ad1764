namespace Outcall.Rules.Cel;

/// <summary>
/// Supplies variable values at evaluation time. Values are plain .NET objects:
/// string, long (int), ulong (uint), double, bool, null, byte[] (bytes),
/// IReadOnlyList&lt;object?&gt; (list), IReadOnlyDictionary&lt;string, string&gt; or
/// IReadOnlyDictionary&lt;object, object?&gt; (map).
/// </summary>
public interface ICelActivation
{
    object? GetVariable(int slot);
}
