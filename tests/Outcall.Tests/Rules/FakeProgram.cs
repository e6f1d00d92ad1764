using Outcall.Rules;
using Outcall.Rules.Cel;

namespace Outcall.Tests.Rules;

/// <summary>
/// A stand-in condition with a chosen outcome and index hints (exact hostnames, or a full hostname and
/// port requirement), for RuleSet tests that must not depend on CEL.
/// </summary>
internal sealed class FakeProgram(Func<EvaluationContext, CelResult> evaluate, IReadOnlySet<string>? hostnames = null,
    CelValueRequirement? hostnameRequirement = null, CelValueRequirement? portRequirement = null) : CelProgram
{
    private static readonly int PortSlot = EvaluationContext.Environment.SlotOf("network.port");

    // Boxed once, so evaluating a fake allocates nothing.
    public static readonly CelResult True = CelResult.Of(true);
    public static readonly CelResult False = CelResult.Of(false);

    public override string Source => "fake";
    public override CelType ResultType => CelType.Bool;
    public override CelResult Evaluate(ICelActivation activation) => evaluate((EvaluationContext)activation);
    public override IReadOnlySet<string>? RequiredLiteralValues(int slot) => slot == EvaluationContext.HostnameSlot ? hostnames : null;

    public override CelValueRequirement? ValueRequirement(int slot) =>
        slot == EvaluationContext.HostnameSlot && hostnameRequirement is not null ? hostnameRequirement
        : slot == PortSlot ? portRequirement
        : base.ValueRequirement(slot);

    public static CompiledRule Rule(string id, RuleAction action, CelProgram program, string file = "fake.yaml",
        bool log = false, bool allowPrivateIps = false) =>
        new(id, file, 1, action, 100, log, null, allowPrivateIps, "fake", "fake", program);

    public static RuleSet Set(params CompiledRule[] rules) => new(rules, "", "fake", DateTimeOffset.UnixEpoch);
}
