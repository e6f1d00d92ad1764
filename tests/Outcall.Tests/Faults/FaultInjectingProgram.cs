using System.Collections.Concurrent;
using Outcall.Rules;
using Outcall.Rules.Cel;

namespace Outcall.Tests.Faults;

/// <summary>
/// The test hook that crashes the rule-engine actor: a rule condition wrapping a compiled one, which throws
/// (a bug, not a CEL runtime error) on the one evaluation after <see cref="CrashNextEvaluation"/>, and otherwise
/// answers as the wrapped condition does, remembering the path of every request it allowed. Reachable only from
/// tests: a set made of these is handed to the engine with <see cref="RuleEngine.Adopt"/>.
/// </summary>
public sealed class FaultInjectingProgram(CelProgram inner, FaultSwitch fault) : CelProgram
{
    public override string Source => inner.Source;
    public override CelType ResultType => inner.ResultType;
    public override IReadOnlySet<string>? RequiredLiteralValues(int slot) => inner.RequiredLiteralValues(slot);
    public override CelValueRequirement? ValueRequirement(int slot) => inner.ValueRequirement(slot);

    public override CelResult Evaluate(ICelActivation activation)
    {
        fault.ThrowIfArmed();
        var result = inner.Evaluate(activation);
        if (result.Value is true && activation is EvaluationContext context) fault.Allowed(context.HttpPath);
        return result;
    }

    /// <summary>The active set with every condition wrapped, under a new hash so the swap is visible.</summary>
    public static RuleSet Wrap(RuleSet active, FaultSwitch fault) =>
        new([.. active.Rules.Select(rule => rule with { Program = new FaultInjectingProgram(rule.Program, fault) })],
            "fault-injecting-" + active.ContentHash, active.Directory, DateTimeOffset.UtcNow);
}

/// <summary>Arms one crash and records what was allowed; shared by every wrapped condition.</summary>
public sealed class FaultSwitch
{
    private readonly ConcurrentDictionary<string, byte> _allowed = new();
    private int _armed;
    private int _crashes;

    public IReadOnlyCollection<string> AllowedPaths => (IReadOnlyCollection<string>)_allowed.Keys;
    public int Crashes => Volatile.Read(ref _crashes);

    public void CrashNextEvaluation() => Volatile.Write(ref _armed, 1);

    internal void ThrowIfArmed()
    {
        if (Interlocked.Exchange(ref _armed, 0) == 0) return;
        Interlocked.Increment(ref _crashes);
        throw new InvalidOperationException("fault injected into the rule engine by a test");
    }

    internal void Allowed(string path) => _allowed.TryAdd(path, 0);
}
