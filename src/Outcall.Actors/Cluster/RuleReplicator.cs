using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.Event;
using Outcall.Rules;
using Outcall.Telemetry;
using AkkaCluster = Akka.Cluster.Cluster;

namespace Outcall.Cluster;

/// <summary>
/// Keeps one rule set for the whole cluster through Distributed Data. A successful reload from this
/// node's directory is published to the register <see cref="RulesKey"/>; every node subscribes, and
/// when the register holds a set it does not run yet, validates it with the same loader and hands it
/// to its <see cref="RuleEngine"/>, or keeps its set and reports the rejection. A joining node takes
/// the cluster's set; its own files only seed a cluster that has none. Also publishes this node's
/// <see cref="NodeStatus"/> to <see cref="StatusKey"/> and answers <see cref="GetFleetStatus"/>.
/// The data path never waits on any of this: verdicts come from the local engine alone.
/// </summary>
public sealed class RuleReplicator : ReceiveActor, IWithTimers
{
    public static readonly LWWRegisterKey<byte[]> RulesKey = new("outcall-rules");
    public static readonly LWWDictionaryKey<string, string> StatusKey = new("outcall-node-status");

    /// <summary>Ask with this; the reply is a <see cref="FleetStatus"/>.</summary>
    public sealed record GetFleetStatus
    {
        public static readonly GetFleetStatus Instance = new();
        private GetFleetStatus() { }
    }

    private sealed record SelfUp
    {
        public static readonly SelfUp Instance = new();
        private SelfUp() { }
    }

    private sealed record PublishStatus
    {
        public static readonly PublishStatus Instance = new();
        private PublishStatus() { }
    }

    private sealed record Validated(RuleSetVersion Version, ReplicatedRuleSet? Payload, RuleLoadResult? Result, string? Unreadable);

    private const string SeedRequest = "seed";
    private const int ErrorsReported = 10;

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly ClusterSettings _settings;
    private readonly IActorRef _engine;
    private readonly ActiveRuleSet _active;
    private readonly RuleLoadResult _startup;
    private readonly RuleLoadOptions _loadOptions;
    private readonly ProxyMetrics _metrics;
    private readonly AkkaCluster _cluster = AkkaCluster.Get(Context.System);
    private readonly IActorRef _replicator = DistributedData.Get(Context.System).Replicator;
    private readonly string _self;

    private LWWRegister<byte[]>? _latest;
    private bool _validating;
    private RuleSetVersion? _applied;
    /// <summary>The hash of the set last published or applied: what the cluster's register holds, as far as this node knows.</summary>
    private string? _clusterHash;
    private string _rulesFrom = "local files";
    private RejectedRuleSet? _rejected;
    private string? _notReplicated;
    private LWWDictionary<string, string> _statuses = LWWDictionary<string, string>.Empty;

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="loadOptions">What the node's own loads take (e.g. whether a CA is configured, so intercept rules load):
    /// a replicated set is judged as the node's files would be. Without it, <see cref="RuleLoadOptions.Default"/>.</param>
    public RuleReplicator(ClusterSettings settings, IActorRef engine, ActiveRuleSet active, RuleLoadResult startup, ProxyMetrics metrics,
        RuleLoadOptions? loadOptions = null)
    {
        _loadOptions = loadOptions ?? RuleLoadOptions.Default;
        _settings = settings;
        _engine = engine;
        _active = active;
        _startup = startup;
        _metrics = metrics;
        _self = _cluster.SelfAddress.ToString();

        Receive<SelfUp>(_ => _replicator.Tell(Dsl.Get(RulesKey, new ReadMajority(_settings.WriteTimeout), SeedRequest)));
        Receive<NotFound>(n => n.Request is SeedRequest, _ =>
        {
            // No node holds a set yet: this node's start-up files become the cluster's.
            _log.Info("The cluster has no rule set yet; publishing this node's ({RuleSetHash})", RuleEngine.ShortHash(_active.Current.ContentHash));
            Publish(_startup.Sources, _active.Current);
        });
        Receive<GetSuccess>(_ => { });
        Receive<GetFailure>(_ => _log.Warning("Could not read the cluster's rule set at start; waiting for it to arrive by gossip"));
        Receive<RuleEngine.LoadedFromDirectory>(loaded =>
        {
            // A reload that gives the cluster's set again (e.g. the file watch after an identical write) is not news.
            if (loaded.RuleSet.ContentHash != _clusterHash) Publish(loaded.Sources, loaded.RuleSet);
        });
        Receive<Changed>(c => c.Key.Equals(RulesKey), c =>
        {
            _latest = c.Get(RulesKey);
            ConsiderLatest();
        });
        Receive<Changed>(c => c.Key.Equals(StatusKey), c => _statuses = c.Get(StatusKey));
        Receive<Validated>(OnValidated);
        Receive<UpdateSuccess>(_ => { });
        Receive<UpdateTimeout>(t => t.Key.Equals(RulesKey), _ =>
            _log.Warning("Not every node confirmed the new rule set within {WriteTimeout}; the rest get it by gossip", _settings.WriteTimeout));
        Receive<UpdateTimeout>(_ => { });
        Receive<ModifyFailure>(f => _log.Error(f.Cause, "Replicating {ReplicatedKey} failed", f.Key.ToString()));
        Receive<PublishStatus>(_ => PublishOwnStatus());
        Receive<ClusterEvent.MemberRemoved>(removed =>
        {
            var address = removed.Member.Address.ToString();
            _replicator.Tell(Dsl.Update(StatusKey, LWWDictionary<string, string>.Empty, WriteLocal.Instance,
                statuses => statuses.Remove(_cluster.SelfUniqueAddress, address)));
        });
        Receive<GetFleetStatus>(_ => Sender.Tell(Fleet()));
    }

    public static Props Props(ClusterSettings settings, IActorRef engine, ActiveRuleSet active, RuleLoadResult startup, ProxyMetrics metrics,
        RuleLoadOptions? loadOptions = null) =>
        Akka.Actor.Props.Create(() => new RuleReplicator(settings, engine, active, startup, metrics, loadOptions));

    protected override void PreStart()
    {
        var self = Self;
        _replicator.Tell(Dsl.Subscribe(RulesKey, self));
        _replicator.Tell(Dsl.Subscribe(StatusKey, self));
        Context.System.EventStream.Subscribe(self, typeof(RuleEngine.LoadedFromDirectory));
        _cluster.Subscribe(self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.MemberRemoved));
        _cluster.RegisterOnMemberUp(() => self.Tell(SelfUp.Instance));
        Timers.StartPeriodicTimer("status", PublishStatus.Instance, TimeSpan.Zero, _settings.StatusInterval);
    }

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        _cluster.Unsubscribe(Self);
    }

    private void Publish(IReadOnlyList<RuleFile> sources, RuleSet set)
    {
        var payload = new ReplicatedRuleSet(sources, set.ContentHash, set.LoadedAt, _self).Encode();
        if (payload.Length > _settings.MaxRuleSetBytes)
        {
            _notReplicated = $"rule set {RuleEngine.ShortHash(set.ContentHash)} is {payload.Length} bytes compressed, over max-rule-set-bytes " +
                             $"({_settings.MaxRuleSetBytes}); it applies on this node only";
            _log.Error("Rules: {NotReplicated}", _notReplicated);
            PublishOwnStatus();
            return;
        }
        _notReplicated = null;
        _rulesFrom = "local files";
        _clusterHash = set.ContentHash;
        var self = _cluster.SelfUniqueAddress;
        var now = DateTime.UtcNow.Ticks;
        _replicator.Tell(Dsl.Update(RulesKey, new LWWRegister<byte[]>(self, [], 0), new WriteAll(_settings.WriteTimeout),
            register => register.WithValue(self, payload, (current, _) => Math.Max(current + 1, now))));
    }

    /// <summary>Validates the newest register value unless it is what this node already runs or already refused.</summary>
    private void ConsiderLatest()
    {
        if (_validating || _latest is not { } register || register.Value.Length == 0) return;
        var version = VersionOf(register);
        if (version == _applied || version.ToString() == _rejected?.Version) return;
        _validating = true;
        var payload = register.Value;
        var active = _active.Current.ContentHash;
        var options = _loadOptions;
        Task.Run(() =>
        {
            ReplicatedRuleSet set;
            try
            {
                set = ReplicatedRuleSet.Decode(payload);
            }
            catch (FormatException e)
            {
                return new Validated(version, null, null, e.Message);
            }
            // The set this node already runs (its own publication, or identical files): nothing to compile.
            if (set.ContentHash == active) return new Validated(version, set, null, null);
            return new Validated(version, set, RuleSetLoader.LoadSources(set.Files, $"{set.Origin} (replicated)", options), null);
        }).PipeTo(Self);
    }

    private void OnValidated(Validated validated)
    {
        _validating = false;
        // A newer version arrived meanwhile: this one is stale, the newer one decides.
        if (_latest is { } latest && VersionOf(latest) == validated.Version)
        {
            if (validated.Payload is not { } payload) Reject(validated.Version, "", [$"unreadable payload: {validated.Unreadable}"]);
            else if (validated.Result is null) Applied(validated.Version, payload, _active.Current);
            else if (validated.Result is { Succeeded: true, RuleSet: { } set } && set.ContentHash == payload.ContentHash)
            {
                _engine.Tell(new RuleEngine.Adopt(set, payload.Origin));
                Applied(validated.Version, payload, set);
            }
            else if (validated.Result.Succeeded)
                Reject(validated.Version, payload.ContentHash, [$"content hash {RuleEngine.ShortHash(validated.Result.RuleSet!.ContentHash)} does not match the published one"]);
            else Reject(validated.Version, payload.ContentHash, validated.Result.Errors.Select(e => e.ToString()).ToList());
        }
        ConsiderLatest();
    }

    private void Applied(RuleSetVersion version, ReplicatedRuleSet payload, RuleSet set)
    {
        _applied = version;
        _clusterHash = payload.ContentHash;
        _rejected = null;
        _rulesFrom = payload.Origin == _self ? "local files" : "replicated";
        _log.Info("Rules: running the cluster's rule set {RuleSetVersion} ({RuleSetHash}, {RuleCount} rules)",
            version.ToString(), RuleEngine.ShortHash(set.ContentHash), set.Rules.Count);
        PublishOwnStatus();
    }

    private void Reject(RuleSetVersion version, string hash, IReadOnlyList<string> errors)
    {
        _rejected = new RejectedRuleSet(version.ToString(), hash, errors.Take(ErrorsReported).ToList());
        foreach (var error in _rejected.Errors) _log.Error("Rules: {RuleError}", error);
        _log.Error("Rules: refused the cluster's rule set {RuleSetVersion} with {ErrorCount} error(s); keeping the active set ({RuleSetHash})",
            version.ToString(), errors.Count, RuleEngine.ShortHash(_active.Current.ContentHash));
        PublishOwnStatus();
    }

    private static RuleSetVersion VersionOf(LWWRegister<byte[]> register) => new(register.Timestamp, register.UpdatedBy.Address.ToString());

    private NodeStatus OwnStatus()
    {
        var set = _active.Current;
        return new NodeStatus(_self, set.ContentHash, set.Rules.Count, set.LoadedAt, _rulesFrom, _applied?.ToString(), _rejected, _notReplicated,
            _metrics.ActiveConnections, _metrics.TotalRequests, _metrics.TotalBlocked, DateTimeOffset.UtcNow);
    }

    private void PublishOwnStatus()
    {
        var json = OwnStatus().ToJson();
        var self = _cluster.SelfUniqueAddress;
        var address = _self;
        _replicator.Tell(Dsl.Update(StatusKey, LWWDictionary<string, string>.Empty, WriteLocal.Instance,
            statuses => statuses.SetItem(self, address, json)));
    }

    private FleetStatus Fleet()
    {
        var state = _cluster.State;
        var unreachable = state.Unreachable.Select(m => m.Address).ToHashSet();
        var members = state.Members.Select(member =>
        {
            var address = member.Address.ToString();
            var node = address == _self ? OwnStatus()
                : _statuses.TryGetValue(address, out var json) ? NodeStatus.FromJson(json) : null;
            return new FleetMember(address, member.Status.ToString().ToLowerInvariant(), !unreachable.Contains(member.Address),
                member.Roles.Order(StringComparer.Ordinal).ToList(), node);
        }).ToList();
        return new FleetStatus(_self, state.Leader?.ToString(), members);
    }
}
