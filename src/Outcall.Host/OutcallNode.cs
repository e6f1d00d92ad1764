using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Akka;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Configuration;
using Akka.Event;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Akka.Streams;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Outcall.Cluster;
using Outcall.Egress;
using Outcall.Events;
using Outcall.Host.Admin;
using Outcall.Host.Memory;
using Outcall.Host.Telemetry;
using Outcall.Intercept;
using Outcall.Proxy;
using Outcall.Rules;
using Outcall.Telemetry;
using Outcall.Tunnels;
using Outcall.Upstream;
using Serilog;

namespace Outcall.Host;

/// <summary>A start-up failure the operator must fix: printed as one message, exit code 1.</summary>
public sealed class StartupException(string message) : Exception(message);

/// <summary>
/// One running Outcall proxy: the rule set loaded and validated, the port bound, then one web
/// application started that runs the actor system under Akka.Hosting and serves the admin API.
/// The CLI runs exactly this; the tests start it in-process.
/// </summary>
public sealed class OutcallNode : IAsyncDisposable
{
    // The drain may take the whole grace and then waits for its summary; the phase that runs it outlasts
    // that, and the host's stop outlasts the phase, so a long grace is never cut short (issue 12).
    private static readonly TimeSpan DrainAnswerMargin = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan DrainPhaseMargin = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan HostStopMargin = TimeSpan.FromSeconds(15);
    private const string DrainPhaseTimeoutKey = "akka.coordinated-shutdown.phases.service-requests-done.timeout";

    private readonly WebApplication _app;
    private readonly PosixSignalRegistration? _hangup;

    public IPEndPoint ProxyEndpoint { get; }
    /// <summary>Where the admin API listens; null when it is disabled.</summary>
    public IPEndPoint? AdminEndpoint { get; }
    public ActorSystem System { get; }
    public IActorRef RuleEngine { get; }
    public IActorRef Listener { get; }
    /// <summary>The cluster's rule replication and fleet status; null when clustering is off.</summary>
    public IActorRef? ClusterRules { get; }
    public ProxyMetrics Metrics { get; }
    /// <summary>The last verdict events (issue 15), as the admin API serves them.</summary>
    public EventJournal Events { get; }
    /// <summary>Readiness for the admin API's /ready: Listening once started, Draining from the start of shutdown.</summary>
    public NodeState State { get; }

    /// <summary>Reads what the started application holds: the actors from Akka.Hosting's registry, the rest from its services.</summary>
    private OutcallNode(WebApplication app, bool handleHangup)
    {
        _app = app;
        var services = app.Services;
        var registry = services.GetRequiredService<ActorRegistry>();
        System = services.GetRequiredService<ActorSystem>();
        RuleEngine = registry.Get<Rules.RuleEngine>();
        Listener = registry.Get<ProxyListener>();
        ClusterRules = registry.TryGet<RuleReplicator>(out var clusterRules) ? clusterRules : null;
        Metrics = services.GetRequiredService<ProxyMetrics>();
        Events = services.GetRequiredService<EventJournal>();
        State = services.GetRequiredService<NodeState>();
        ProxyEndpoint = services.GetRequiredService<ProxyBinding>().Endpoint;
        AdminEndpoint = AdminWebHost.BoundEndpoint(app);
        if (handleHangup && !OperatingSystem.IsWindows())
            _hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true;
                RuleEngine.Tell(Rules.RuleEngine.Reload.Instance);
            });
    }

    /// <param name="config">The merged configuration (defaults are added underneath).</param>
    /// <param name="resolver">Name resolution; the system resolver when null (tests inject their own).</param>
    /// <param name="logOutput">Where logs go; the console when null.</param>
    /// <param name="handleHangup">Reload rules on SIGHUP (the CLI does; in-process tests do not).</param>
    public static async Task<OutcallNode> StartAsync(Config config, IHostResolver? resolver = null, TextWriter? logOutput = null, bool handleHangup = false)
    {
        config = OutcallConfig.WithDefaults(config);
        var settings = NodeSettings.Create(config);
        var (proxySettings, rulesSettings, logSettings, adminSettings, clusterSettings) =
            (settings.Proxy, settings.Rules, settings.Log, settings.Admin, settings.Cluster);

        // Issue 14: interception and secrets come from settings alone; intercept rules load only with a CA.
        InterceptSettings interceptSettings;
        try
        {
            // S011-IF-002 / EC-004 / S011-AS-011: a key open to others, unreadable or not matching stops the start (the CLI's
            // `ca status` still reports such a CA, so this is checked here, not when settings are read).
            interceptSettings = settings.Intercept.CheckFiles();
        }
        catch (ConfigurationException e)
        {
            throw new StartupException($"config error: {e.Message}");
        }
        var secrets = SecretsSettings.Create(config);
        var ruleLoadOptions = new RuleLoadOptions(interceptSettings.CaConfigured);
        var load = RuleSetLoader.Load(rulesSettings.Directory, ruleLoadOptions);
        if (!load.Succeeded)
            throw new StartupException($"rules in {rulesSettings.Directory} have {load.Errors.Count} error(s):{Environment.NewLine}" +
                                       string.Join(Environment.NewLine, load.Errors.Select(e => "  " + e)));

        Socket listenSocket;
        try
        {
            listenSocket = ProxyListener.Bind(proxySettings.Listen, proxySettings.AcceptBacklog);
        }
        catch (SocketException e)
        {
            throw new StartupException($"cannot listen on {proxySettings.Listen}: {e.SocketErrorCode} ({e.Message})");
        }
        var bound = (IPEndPoint)listenSocket.LocalEndPoint!;

        var serilog = logSettings.Configure(new LoggerConfiguration(), logOutput).CreateLogger();
        var drainPhaseTimeout = DrainPhaseTimeout(config, proxySettings.ShutdownGrace);
        var akkaConfig = ConfigurationFactory.ParseString($"""
            akka.loglevel = {logSettings.AkkaLogLevel}
            {DrainPhaseTimeoutKey} = {(long)drainPhaseTimeout.TotalMilliseconds}ms
            """).WithFallback(config);
        var metrics = new ProxyMetrics();
        var pool = new UpstreamPool(settings.UpstreamPool, metrics);
        metrics.RuleSetLoaded(load.RuleSet!.ContentHash, load.RuleSet.LoadedAt, load.RuleSet.Rules.Count);
        var state = new NodeState();
        var events = new EventJournal(settings.Events.Buffer);
        var active = new ActiveRuleSet(load.RuleSet!);
        if (rulesSettings.Mode == RulesMode.Observe)
            serilog.Warning("outcall.rules.mode = observe: what the rules block is let through and logged as WOULD_BLOCK");
        else if (settings.Agents.ObserveAgents.Count > 0)
            serilog.Warning("Observe mode for agents {ObserveAgents}: what the rules block for them is let through and logged as WOULD_BLOCK",
                string.Join(", ", settings.Agents.ObserveAgents.Order(StringComparer.Ordinal)));
        var guard = new DestinationGuard(resolver ?? new SystemHostResolver(), [bound]);

        var builder = AdminWebHost.CreateBuilder(adminSettings, serilog);
        var interception = new NodeInterception(interceptSettings.CaConfigured);
        builder.Services.AddSingleton(metrics).AddSingleton(state).AddSingleton(events).AddSingleton(new ProxyBinding(bound)).AddSingleton(interception);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = drainPhaseTimeout + HostStopMargin);
        builder.Services.AddHostedService<DrainBeforeAdminStops>();
        if (settings.Memory.IdleTrim is { } idleTrim) builder.Services.AddHostedService(_ => new IdleTrim(idleTrim));
        builder.Services.AddOutcallMetrics(metrics, settings.Telemetry);
        builder.Services.AddAkka("outcall", akka =>
        {
            akka.AddHocon(akkaConfig, HoconAddMode.Prepend);
            akka.ConfigureLoggers(loggers =>
            {
                loggers.ClearLoggers();
                loggers.AddLoggerFactory();
            });
            if (clusterSettings.Enabled) AddClustering(akka, clusterSettings);
            akka.WithActors((system, registry) =>
                registry.Register<Rules.RuleEngine>(system.ActorOf(Rules.RuleEngine.PropsSupervised(active, rulesSettings, dir => RuleSetLoader.Load(dir, ruleLoadOptions), metrics), "rules")));
            if (clusterSettings.Enabled)
                akka.WithActors((system, registry) =>
                {
                    var engine = registry.Get<Rules.RuleEngine>();
                    registry.Register<RuleReplicator>(system.ActorOf(RuleReplicator.Props(clusterSettings, engine, active, load, metrics, ruleLoadOptions), "cluster-rules"));
                    var cluster = Akka.Cluster.Cluster.Get(system);
                    if (clusterSettings.SeedNodes.Count == 0)
                    {
                        serilog.Warning("No outcall.cluster.seed-nodes: forming a new cluster at {ClusterAddress}", cluster.SelfAddress.ToString());
                        cluster.Join(cluster.SelfAddress);
                    }
                });
            akka.WithActors((system, registry) =>
            {
                // Akka starts its timer wheel on the first schedule and blocks that caller until the wheel's task runs on the
                // thread pool. If the first schedules are the header timers of many new clients at once, every pool thread
                // blocks there and the pool grows one thread at a time: 50 concurrent CONNECTs to a fresh node stalled ~9 s.
                system.Scheduler.Advanced.ScheduleOnce(TimeSpan.Zero, static () => { });
                interception.Services = InterceptServices.Create(interceptSettings, proxySettings.ConnectTimeout, Logging.GetLogger(system, "Outcall.Intercept"));
                var services = new ProxyServices(proxySettings, registry.Get<Rules.RuleEngine>(), rulesSettings.AskTimeout, guard, settings.Agents, metrics,
                    pool, new TunnelGraph(proxySettings.IdleTimeout, system.Materializer(namePrefix: "tunnel"),
                        OpenFileLimit.SplicePipesAllowed(proxySettings.SplicePipes)), events)
                {
                    Observe = ObserveMode.Of(rulesSettings, settings.Agents),
                    Interception = interception.Services,
                    Secrets = secrets,
                };
                var proxy = system.ActorOf(ProxyListener.Props(listenSocket, services), "proxy");
                registry.Register<ProxyListener>(proxy);
                // FR-015 / EC-013: stop accepting, let live requests and tunnels finish within the grace, then cut.
                CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseServiceRequestsDone, "drain-proxy", async () =>
                {
                    state.Draining = true;
                    var drained = await proxy.Ask<ProxyListener.Drained>(new ProxyListener.DrainConnections(proxySettings.ShutdownGrace),
                        proxySettings.ShutdownGrace + DrainAnswerMargin).ConfigureAwait(false);
                    // Straight to Serilog: Akka's own logger may already be gone when the drain ends.
                    serilog.Information("Shutdown drained {Finished} connection(s) and cut {Cut}", drained.Finished, drained.Cut);
                    return Done.Instance;
                });
                CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate, "close-upstream-pool", () =>
                {
                    pool.Dispose();
                    return Task.FromResult(Done.Instance);
                });
            });
        });

        var app = builder.BuildAdminApp();
        try
        {
            await AdminWebHost.StartAsync(app, adminSettings).ConfigureAwait(false);
        }
        catch
        {
            // Nothing half-started is left behind: the actor system is stopped and the proxy port released.
            listenSocket.Dispose();
            throw;
        }
        var node = new OutcallNode(app, handleHangup);
        if (node.AdminEndpoint is { } admin) serilog.Information("Admin API listening on {AdminAddress}", admin.ToString());
        state.Listening = true;
        return node;
    }

    /// <summary>The configured service-requests-done timeout, raised to outlast the drain when the grace needs more.</summary>
    private static TimeSpan DrainPhaseTimeout(Config config, TimeSpan grace)
    {
        var configured = config.GetTimeSpan(DrainPhaseTimeoutKey, null, allowInfinite: false);
        var needed = grace + DrainAnswerMargin + DrainPhaseMargin;
        return configured > needed ? configured : needed;
    }

    /// <summary>
    /// Remoting bound to the configured address only, clustering with the split brain resolver. Leaving
    /// the cluster is CoordinatedShutdown's cluster-leave phase, which runs after service-requests-done,
    /// so a stopping node drains its proxy connections while still a member.
    /// </summary>
    private static void AddClustering(AkkaConfigurationBuilder akka, ClusterSettings settings)
    {
        akka.WithRemoting(new RemoteOptions
        {
            HostName = settings.Hostname,
            Port = settings.Port,
            MaxFrameSize = settings.MaximumFrameSize,
            SendBufferSize = settings.MaximumFrameSize,
            ReceiveBufferSize = settings.MaximumFrameSize,
        });
        akka.WithClustering(new ClusterOptions
        {
            SeedNodes = settings.SeedNodes.Select(a => a.ToString()).ToArray(),
            Roles = settings.Roles.ToArray(),
            SplitBrainResolver = settings.SplitBrainStrategy == SplitBrainStrategy.KeepOldest ? new KeepOldestOption() : new KeepMajorityOption(),
        });
        akka.AddHocon(ConfigurationFactory.ParseString(
            $"akka.cluster.split-brain-resolver.stable-after = {(long)settings.StableAfter.TotalMilliseconds}ms"), HoconAddMode.Prepend);
    }

    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    /// <summary>Graceful stop: the same CoordinatedShutdown path as SIGTERM.</summary>
    /// <remarks>The admin listener stops after the drain, so /ready answers 503 while the proxy drains.</remarks>
    public async Task StopAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        State.Listening = false;
    }

    public async ValueTask DisposeAsync()
    {
        _hangup?.Dispose();
        await StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Runs CoordinatedShutdown, and with it the proxy's drain, as the application starts stopping and
    /// before any hosted service stops: the admin listener keeps answering during the drain. Akka.Hosting's
    /// own stop then finds the shutdown already run.
    /// </summary>
    private sealed class DrainBeforeAdminStops(IServiceProvider services) : IHostedLifecycleService
    {
        public Task StoppingAsync(CancellationToken cancellationToken) =>
            CoordinatedShutdown.Get(services.GetRequiredService<ActorSystem>()).Run(CoordinatedShutdown.ClrExitReason.Instance);

        public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
