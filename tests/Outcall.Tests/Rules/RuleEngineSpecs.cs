using Akka.Actor;
using Akka.TestKit.Xunit2;
using Outcall.Rules;

namespace Outcall.Tests.Rules;

/// <summary>The supervised rule-engine actor: verdict asks, atomic reload, crash survival (S003).</summary>
public sealed class RuleEngineSpecs : TestKit, IDisposable
{
    private const string AllowExample = """
        version: "1"
        rules:
          - id: allow-example
            condition: network.hostname == "example.com"
            action: allow
        """;

    private const string BlockExample = """
        version: "1"
        rules:
          - id: block-example
            condition: network.hostname == "example.com"
            action: block
        """;

    private readonly RuleDirectory _rules = new();
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private IActorRef StartEngine(Func<string, RuleLoadResult>? load = null, bool watch = false)
    {
        var active = new ActiveRuleSet(_rules.LoadValid());
        var settings = new RulesSettings(_rules.Path, TimeSpan.FromSeconds(2), watch, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(50));
        return Sys.ActorOf(RuleEngine.PropsSupervised(active, settings, load));
    }

    private async Task<Verdict> JudgeAsync(IActorRef engine, string host = "example.com") =>
        (await engine.Ask<RuleEvaluation>(new RuleEngine.Evaluate(Requests.To(host)), Wait)).Verdict;

    [Fact]
    public async Task An_evaluate_ask_is_answered_from_the_active_set()
    {
        _rules.With("a.yaml", AllowExample);
        var engine = StartEngine();
        var verdict = await JudgeAsync(engine);
        Assert.True(verdict.IsAllowed);
        Assert.Equal("allow-example", verdict.RuleId);
    }

    [Fact]
    public async Task A_successful_reload_replaces_the_whole_set()
    {
        _rules.With("a.yaml", AllowExample);
        var engine = StartEngine();
        _rules.With("a.yaml", BlockExample);
        var result = await engine.Ask<RuleEngine.ReloadResult>(RuleEngine.Reload.Instance, Wait);
        Assert.True(result.Succeeded);
        var verdict = await JudgeAsync(engine);
        Assert.False(verdict.IsAllowed);
        Assert.Equal("block-example", verdict.RuleId);
    }

    [Fact]
    public async Task A_failed_reload_keeps_the_old_set_and_reports_every_error()
    {
        _rules.With("a.yaml", AllowExample);
        var engine = StartEngine();
        _rules.With("b.yaml", """
            version: "1"
            rules:
              - id: broken-one
                condition: network.port == "443"
                action: allow
              - id: broken-two
                condition: network.hostname ==
                action: block
            """);
        var result = await engine.Ask<RuleEngine.ReloadResult>(RuleEngine.Reload.Instance, Wait);
        Assert.False(result.Succeeded);
        Assert.Contains(result.Load.Errors, e => e.RuleId == "broken-one");
        Assert.Contains(result.Load.Errors, e => e.RuleId == "broken-two");
        Assert.Equal("allow-example", (await JudgeAsync(engine)).RuleId);
    }

    [Fact]
    public async Task Evaluations_during_a_reload_see_the_old_or_the_new_set_and_never_fail()
    {
        _rules.With("a.yaml", AllowExample);
        var engine = StartEngine();
        _rules.With("a.yaml", BlockExample);
        var asks = Enumerable.Range(0, 200).Select(i => i == 100
            ? engine.Ask<RuleEngine.ReloadResult>(RuleEngine.Reload.Instance, Wait).ContinueWith(_ => (string?)"reload")
            : JudgeAsync(engine).ContinueWith(t => t.Result.RuleId)).ToArray();
        var answers = await Task.WhenAll(asks);
        Assert.All(answers, id => Assert.Contains(id, new[] { "allow-example", "block-example", "reload" }));
        Assert.Equal("block-example", (await JudgeAsync(engine)).RuleId);
    }

    [Fact]
    public async Task A_crash_is_survived_and_later_asks_are_answered_from_the_active_set()
    {
        _rules.With("a.yaml", AllowExample);
        var engine = StartEngine(load: _ => throw new InvalidOperationException("loader bug"));
        engine.Tell(RuleEngine.Reload.Instance);
        // The backoff supervisor restarts the engine; keep asking (bounded) until it answers again.
        Verdict? verdict = null;
        var deadline = DateTime.UtcNow + Wait;
        while (verdict is null && DateTime.UtcNow < deadline)
        {
            try
            {
                verdict = await engine.Ask<RuleEvaluation>(new RuleEngine.Evaluate(Requests.To("example.com")), TimeSpan.FromMilliseconds(500))
                    .ContinueWith(t => t.Result.Verdict);
            }
            catch (AggregateException)
            {
                // Asked during the restart back-off; ask again.
            }
        }
        Assert.NotNull(verdict);
        Assert.Equal("allow-example", verdict.RuleId);
    }

    [Fact]
    public async Task A_change_in_the_rules_directory_reloads_after_the_debounce()
    {
        _rules.With("a.yaml", AllowExample);
        var engine = StartEngine(watch: true);
        // An answered ask means the engine has started, and with it its directory watch.
        Assert.Equal("allow-example", (await JudgeAsync(engine)).RuleId);
        _rules.With("a.yaml", BlockExample);
        await AwaitAssertAsync(async () => Assert.Equal("block-example", (await JudgeAsync(engine)).RuleId), Wait, TimeSpan.FromMilliseconds(50));
    }

    void IDisposable.Dispose()
    {
        _rules.Dispose();
        Shutdown();
    }
}
