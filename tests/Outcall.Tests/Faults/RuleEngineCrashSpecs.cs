using System.Collections.Concurrent;
using Akka.Actor;
using Outcall.Rules;
using Outcall.Tests.Proxy;

namespace Outcall.Tests.Faults;

/// <summary>
/// Issue 16: the rule-engine actor crashed under load, through a test hook (<see cref="FaultInjectingProgram"/>),
/// not a timing trick. EC-008 / FR-023: while it is down every ask fails to BLOCK; its supervisor restarts it on
/// the active set and requests are judged again. The origin proves nothing reached it without an allow verdict.
/// </summary>
public sealed class RuleEngineCrashSpecs
{
    private const int Clients = 6;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private sealed record Outcome(string Path, int Status, string? BlockReason, bool AskedAfterCrash);

    [Fact]
    public async Task A_rule_engine_crashed_under_load_is_restarted_and_nothing_is_forwarded_without_a_verdict_EC008()
    {
        await using var origin = await RecordingOrigin.StartPlainAsync();
        await using var proxy = await ProxyHarness.StartAsync(extraHocon: "outcall.rules.ask-timeout = 1s\noutcall.log.level = info");
        var fault = new FaultSwitch();
        var active = await proxy.Node.RuleEngine.Ask<RuleSet>(RuleEngine.GetRuleSet.Instance, Bound);
        var faulty = FaultInjectingProgram.Wrap(active, fault);
        proxy.Node.RuleEngine.Tell(new RuleEngine.Adopt(faulty, "test"));
        // The engine answers in mailbox order: this reply comes after the adopt, so load starts on the wrapped set.
        Assert.Equal(faulty.ContentHash, (await proxy.Node.RuleEngine.Ask<RuleSet>(RuleEngine.GetRuleSet.Instance, Bound)).ContentHash);

        var outcomes = new ConcurrentQueue<Outcome>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var load = Enumerable.Range(0, Clients).Select(client => Task.Run(() => LoadAsync(proxy, origin, client, fault, outcomes, stop.Token))).ToArray();
        try
        {
            await Eventually.TrueAsync(() => outcomes.Count(o => o.Status == 200) >= 50, "traffic judged by the wrapped set", Bound);
            fault.CrashNextEvaluation();
            await Eventually.TrueAsync(() => outcomes.Any(IsEngineUnavailable), "a request refused while the engine was down", Bound);
            await Eventually.TrueAsync(() => outcomes.Count(o => o.AskedAfterCrash && o.Status == 200) >= 50, "requests judged and allowed after the restart", Bound);
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(load);
        }

        Assert.Equal(1, fault.Crashes);
        await proxy.Log.WaitForLineAsync(line => line.Contains("fault injected into the rule engine", StringComparison.Ordinal));
        Assert.All(outcomes, o => Assert.True(o.Status == 200 || IsEngineUnavailable(o), $"{o.Path} got {o.Status} ({o.BlockReason})"));
        var allowed = fault.AllowedPaths.ToHashSet();
        var reached = origin.Requests.Select(r => r.Path).ToHashSet();
        var unjudged = reached.Where(path => !allowed.Contains(path)).ToList();
        Assert.Empty(unjudged);
        Assert.All(outcomes.Where(o => o.Status == 200), o => Assert.Contains(o.Path, reached));
        Assert.All(outcomes.Where(IsEngineUnavailable), o => Assert.DoesNotContain(o.Path, reached));
    }

    private static bool IsEngineUnavailable(Outcome o) => o.Status == 403 && o.BlockReason == "rule engine unavailable";

    /// <summary>One well-behaved client on keep-alive, GETs with a unique path each, until stopped.</summary>
    private static async Task LoadAsync(ProxyHarness proxy, RecordingOrigin origin, int client, FaultSwitch fault,
        ConcurrentQueue<Outcome> outcomes, CancellationToken stop)
    {
        using var http = proxy.CreateClient(TimeSpan.FromSeconds(20));
        for (var sequence = 0; !stop.IsCancellationRequested; sequence++)
        {
            var path = $"/judged/{client}-{sequence}";
            var askedAfterCrash = fault.Crashes > 0;
            try
            {
                using var response = await http.GetAsync($"http://127.0.0.1:{origin.Port}{path}", stop);
                var reason = response.Headers.TryGetValues("X-Outcall-Block-Reason", out var values) ? values.Single() : null;
                outcomes.Enqueue(new Outcome(path, (int)response.StatusCode, reason, askedAfterCrash));
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
        }
    }
}
