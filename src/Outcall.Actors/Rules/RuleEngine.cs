using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Akka.Pattern;
using Outcall.Telemetry;

namespace Outcall.Rules;

/// <summary>
/// Holds the active compiled rule set and answers verdict asks. The set lives in a
/// <see cref="ActiveRuleSet"/> owned by whoever created the actor, so a restart after a crash
/// resumes with the set that was active instead of re-reading a directory that may have changed.
/// Reloads are validated in full off the actor thread and swapped in one assignment.
/// </summary>
public sealed class RuleEngine : ReceiveActor, IWithTimers
{
    /// <summary>Ask with this; the reply is a <see cref="RuleEvaluation"/>.</summary>
    /// <param name="DryRun">A what-if (the admin API's evaluate): judged alike, but no rule's hit counter moves.</param>
    public sealed record Evaluate(EvaluationContext Context, bool DryRun = false);

    /// <summary>Reload from the rules directory; the reply (to the sender, if any) is a <see cref="ReloadResult"/>.</summary>
    public sealed record Reload
    {
        public static readonly Reload Instance = new();
        private Reload() { }
    }

    public sealed record ReloadResult(bool Succeeded, RuleLoadResult Load, RuleSet Active);

    /// <summary>The reply is the active <see cref="RuleSet"/>.</summary>
    public sealed record GetRuleSet
    {
        public static readonly GetRuleSet Instance = new();
        private GetRuleSet() { }
    }

    /// <summary>
    /// Makes <paramref name="RuleSet"/> (validated by the sender, e.g. a set replicated from another node)
    /// the active set; <paramref name="From"/> says where it came from, for the log. No reply.
    /// </summary>
    public sealed record Adopt(RuleSet RuleSet, string From);

    /// <summary>
    /// Published on the event stream after a successful reload from this node's own directory, with the
    /// files as read: what a cluster replicates. Sets that were adopted are not republished.
    /// </summary>
    public sealed record LoadedFromDirectory(RuleSet RuleSet, IReadOnlyList<RuleFile> Sources);

    private sealed record DirectoryChanged
    {
        public static readonly DirectoryChanged Instance = new();
        private DirectoryChanged() { }
    }

    private sealed record Loaded(RuleLoadResult Result, IReadOnlyList<IActorRef> ReplyTo);

    private sealed record LoadFailed(Exception Cause);

    private const string DebounceTimer = "reload-debounce";

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly ActiveRuleSet _active;
    private readonly RulesSettings _settings;
    private readonly Func<string, RuleLoadResult> _load;
    private readonly ProxyMetrics? _metrics;
    private readonly List<IActorRef> _waitingForReload = [];
    private FileSystemWatcher? _watcher;
    private bool _loading;
    private bool _reloadAgain;

    public ITimerScheduler Timers { get; set; } = null!;

    public RuleEngine(ActiveRuleSet active, RulesSettings settings, Func<string, RuleLoadResult> load, ProxyMetrics? metrics)
    {
        _active = active;
        _settings = settings;
        _load = load;
        _metrics = metrics;
        // At start and after a restart: the set in force is the counted one (a no-op when it already is).
        _metrics?.RuleHits.Track(_active.Current);

        Receive<Evaluate>(e => Sender.Tell(Judge(e.Context, e.DryRun)));
        Receive<GetRuleSet>(_ => Sender.Tell(_active.Current));
        Receive<Reload>(_ =>
        {
            if (!Sender.IsNobody() && !Sender.Equals(Self) && !Sender.Equals(Context.System.DeadLetters)) _waitingForReload.Add(Sender);
            StartLoad();
        });
        Receive<DirectoryChanged>(_ => Timers.StartSingleTimer(DebounceTimer, Reload.Instance, _settings.WatchDebounce));
        Receive<Loaded>(OnLoaded);
        Receive<Adopt>(adopt =>
        {
            Install(adopt.RuleSet);
            _log.Info("Rules replaced by the set from {RuleOrigin}: {RuleCount} rules, hash {RuleSetHash}",
                adopt.From, adopt.RuleSet.Rules.Count, ShortHash(adopt.RuleSet.ContentHash));
        });
        // A loader that throws is a bug, not bad input: crash so the supervisor restarts us on the active set.
        Receive<LoadFailed>(f => throw new InvalidOperationException("rule loader failed", f.Cause));
    }

    /// <summary>Props under a backoff supervisor: a crash is survived and asks are answered again after it.</summary>
    public static Props PropsSupervised(ActiveRuleSet active, RulesSettings settings, Func<string, RuleLoadResult>? load = null,
        ProxyMetrics? metrics = null) =>
        BackoffSupervisor.Props(Backoff.OnFailure(
            Props.Create(() => new RuleEngine(active, settings, load ?? RuleSetLoader.Load, metrics)),
            "engine", TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(1), 0.2, maxNrOfRetries: -1)
            .WithAutoReset(TimeSpan.FromSeconds(10)));

    protected override void PreStart()
    {
        if (_settings.Watch) StartWatching();
    }

    protected override void PostStop()
    {
        _watcher?.Dispose();
        foreach (var waiting in _waitingForReload)
            waiting.Tell(new Status.Failure(new InvalidOperationException("rule engine restarted during reload")));
    }

    private RuleEvaluation Judge(EvaluationContext context, bool dryRun)
    {
        var set = _active.Current;
        var started = Stopwatch.GetTimestamp();
        var evaluation = set.Evaluate(context);
        var elapsed = Stopwatch.GetElapsedTime(started);
        _metrics?.EvaluationLatency(elapsed);
        if (!dryRun) _metrics?.RuleHits.Record(evaluation);
        if (elapsed > _settings.EvaluationBudget)
            _log.Warning("Rule evaluation took {ElapsedMs} ms, over the {BudgetMs} ms budget ({RuleCount} rules)",
                (long)elapsed.TotalMilliseconds, (long)_settings.EvaluationBudget.TotalMilliseconds, set.Rules.Count);
        foreach (var warning in evaluation.Warnings)
            _log.Warning("Rule {RuleId} in {RuleFile} did not match: {Problem}", warning.RuleId, warning.File, warning.Message);
        var verdict = evaluation.Verdict;
        if (verdict.Logged)
            _log.Info("Rule {RuleId} in {RuleFile} decided {Decision}", verdict.RuleId, verdict.File, verdict.Decision);
        return evaluation;
    }

    private void StartLoad()
    {
        if (_loading) { _reloadAgain = true; return; }
        _loading = true;
        var directory = _settings.Directory;
        var load = _load;
        var replyTo = _waitingForReload.ToArray();
        _waitingForReload.Clear();
        Task.Run(() => load(directory)).PipeTo(Self,
            success: result => new Loaded(result, replyTo),
            failure: cause => new LoadFailed(cause));
    }

    private void OnLoaded(Loaded loaded)
    {
        _loading = false;
        var result = loaded.Result;
        foreach (var warning in result.Warnings) _log.Warning("Rules: {Warning}", warning.ToString());
        if (result.Succeeded)
        {
            Install(result.RuleSet!);
            Context.System.EventStream.Publish(new LoadedFromDirectory(result.RuleSet!, result.Sources));
            _log.Info("Rules reloaded from {RulesDir}: {RuleCount} rules, hash {RuleSetHash}",
                _settings.Directory, result.RuleSet!.Rules.Count, ShortHash(result.RuleSet.ContentHash));
        }
        else
        {
            foreach (var error in result.Errors) _log.Error("Rules: {RuleError}", error.ToString());
            _log.Error("Rules reload from {RulesDir} rejected with {ErrorCount} errors; keeping the active set ({RuleCount} rules)",
                _settings.Directory, result.Errors.Count, _active.Current.Rules.Count);
        }
        foreach (var replyTo in loaded.ReplyTo) replyTo.Tell(new ReloadResult(result.Succeeded, result, _active.Current));
        if (_reloadAgain) { _reloadAgain = false; StartLoad(); }
    }

    private void Install(RuleSet set)
    {
        _active.Swap(set);
        _metrics?.RuleSetLoaded(set.ContentHash, set.LoadedAt, set.Rules.Count);
        _metrics?.RuleHits.Track(set);
    }

    private void StartWatching()
    {
        if (!System.IO.Directory.Exists(_settings.Directory))
        {
            _log.Info("Rules directory {RulesDir} does not exist; not watching it", _settings.Directory);
            return;
        }
        try
        {
            _watcher = CreateWatcher(Self);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or PlatformNotSupportedException)
        {
            // Out of inotify instances, say: rules still reload on SIGHUP and through the admin API.
            _log.Warning("Cannot watch rules directory {RulesDir} ({Problem}); reload with SIGHUP or the admin API", _settings.Directory, e.Message);
        }
    }

    private FileSystemWatcher CreateWatcher(IActorRef self)
    {
        var watcher = new FileSystemWatcher(_settings.Directory)
        {
            IncludeSubdirectories = false,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        FileSystemEventHandler changed = (_, _) => self.Tell(DirectoryChanged.Instance);
        watcher.Changed += changed;
        watcher.Created += changed;
        watcher.Deleted += changed;
        watcher.Renamed += (_, _) => self.Tell(DirectoryChanged.Instance);
        try
        {
            watcher.EnableRaisingEvents = true;
        }
        catch
        {
            watcher.Dispose();
            throw;
        }
        return watcher;
    }

    internal static string ShortHash(string hash) => hash.Length > 12 ? hash[..12] : hash;
}
