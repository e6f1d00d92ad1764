namespace Outcall.Rules;

/// <summary>The rule set in force. Swapped whole; readers see either the old or the new set, never a mix.</summary>
public sealed class ActiveRuleSet(RuleSet initial)
{
    private RuleSet _current = initial;
    public RuleSet Current => Volatile.Read(ref _current);
    public void Swap(RuleSet next) => Volatile.Write(ref _current, next);
}
