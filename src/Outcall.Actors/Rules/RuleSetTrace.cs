namespace Outcall.Rules;

/// <summary>What became of one rule when a request was judged.</summary>
public enum RuleOutcome
{
    /// <summary>Its condition was true: it decided the verdict.</summary>
    Decided,
    /// <summary>Its condition was false.</summary>
    ConditionFalse,
    /// <summary>Its condition failed at run time or was not a bool: a non-match, with the message.</summary>
    RuntimeError,
    /// <summary>The hostname index knew it could not match this host and port, so it was not evaluated.</summary>
    SkippedByIndex,
}

/// <summary>One rule's part in a verdict, in evaluation order. <see cref="Message"/> is set for a runtime error only.</summary>
public sealed record RuleStep(string RuleId, string File, int Line, RuleAction Action, RuleOutcome Outcome, string? Message);

/// <summary>A rule the index offered and the outcome of its condition, by its position in the set.</summary>
public readonly record struct EvaluatedRule(int Index, RuleOutcome Outcome, string? Message);

/// <summary>
/// Why a rule set gave its verdict for one request. It holds the set by reference and the outcomes of the
/// rules that were evaluated (a handful, thanks to the index), and lists <see cref="Steps"/> on demand:
/// every rule up to the one that decided (all of them when the default policy did). Rule names and outcomes
/// only, never the request: a runtime error's message names a type, never a value.
/// </summary>
public sealed record RuleTrace(Verdict Verdict, RuleSet RuleSet, IReadOnlyList<EvaluatedRule> Evaluated)
{
    /// <summary>The rules in order up to the decision, the ones never evaluated marked skipped by the index.</summary>
    public IReadOnlyList<RuleStep> Steps
    {
        get
        {
            var rules = RuleSet.Rules;
            var last = Evaluated.Count > 0 && Evaluated[^1].Outcome == RuleOutcome.Decided ? Evaluated[^1].Index : rules.Count - 1;
            var steps = new List<RuleStep>(last + 1);
            var next = 0;
            foreach (var evaluated in Evaluated)
            {
                for (; next < evaluated.Index; next++) steps.Add(Step(rules[next], RuleOutcome.SkippedByIndex, null));
                steps.Add(Step(rules[evaluated.Index], evaluated.Outcome, evaluated.Message));
                next = evaluated.Index + 1;
            }
            for (; next <= last; next++) steps.Add(Step(rules[next], RuleOutcome.SkippedByIndex, null));
            return steps;
        }
    }

    /// <summary>The deciding rule; null when the default policy decided.</summary>
    public CompiledRule? Decider => Evaluated.Count > 0 && Evaluated[^1].Outcome == RuleOutcome.Decided ? RuleSet.Rules[Evaluated[^1].Index] : null;

    private static RuleStep Step(CompiledRule rule, RuleOutcome outcome, string? message) =>
        new(rule.Id, rule.File, rule.Line, rule.Action, outcome, message);
}

public sealed partial class RuleSet
{
    /// <summary>
    /// <see cref="Evaluate"/> again, recording each evaluated rule's outcome: the same index, order and judgement,
    /// so the trace gives the verdict the evaluation gave. For explanations, never on the normal path.
    /// </summary>
    public RuleTrace Trace(EvaluationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var evaluated = new List<EvaluatedRule>();
        var candidates = _index.For(context.NetworkHostname, context.NetworkPort);
        while (candidates.MoveNext())
        {
            var ruleIndex = candidates.Current;
            var outcome = Judge(Rules[ruleIndex], context, out var problem);
            evaluated.Add(new EvaluatedRule(ruleIndex, outcome, problem));
            if (outcome == RuleOutcome.Decided) return new RuleTrace(_matchEvaluations[ruleIndex].Verdict, this, evaluated);
        }
        return new RuleTrace(DefaultBlockVerdict, this, evaluated);
    }
}
