using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Akka.Actor;
using Akka;
using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Configuration;
using Akka.Event;
using Akka.Streams;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Outcall.Cluster;
using Outcall.Egress;
using Outcall.Host.Admin;
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
/// One running Outcall proxy: the rule set loaded and validated, the port bound, then the actor
/// system started under Akka.Hosting. The CLI runs exactly this; the tests start it in-process.
/// </summary>
public sealed class OutcallNode : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly PosixSignalRegistration? _hangup;
    private readonly AdminServer? _admin;

    public IPEndPoint ProxyEndpoint { get; }
    /// <summary>Where the admin API listens; null when it is disabled.</summary>
    public IPEndPoint? AdminEndpoint => _admin?.Endpoint;
    public ActorSystem System { get; }
    public IActorRef RuleEngine { get; }
    public IActorRef Listener { get; }
    /// <summary>The cluster's rule replication and fleet status; null when clustering is off.</summary>
    public IActorRef? ClusterRules { get; }
    public ProxyMetrics Metrics { get; }
    /// <summary>Readiness for the admin API's /ready: Listening once started, Draining from the start of shutdown.</summary>
    public NodeState State { get; }

    private OutcallNode(IHost host, AdminServer? admin, IPEndPoint proxyEndpoint, ActorSystem system, IActorRef ruleEngine, IActorRef listener,
        IActorRef? clusterRules, ProxyMetrics metrics, NodeState state, bool handleHangup)
    {
        _host = host;
        _admin = admin;
        Metrics = metrics;
        State = state;
        ProxyEndpoint = proxyEndpoint;
        System = system;
        RuleEngine = ruleEngine;
        Listener = listener;
        ClusterRules = clusterRules;
        if (handleHangup && !OperatingSystem.IsWindows())
            _hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true;
                ruleEngine.Tell(Rules.RuleEngine.Reload.Instance);
            });
    }

    /// <param name="config">The merged configuration (defaults are added underneath).</param>
    /// <param name="resolver">Name resolution; the system resolver when null (tests inject their own).</param>
    /// <param name="logOutput">Where logs go; the console when null.</param>
    /// <param name="handleHangup">Reload rules on SIGHUP (the CLI does; in-process tests do not).</param>
    public static async Task<OutcallNode> StartAsync(Config config, IHostResolver? resolver = null, TextWriter? logOutput = null, bool handleHangup = false)
    {
        config = config.WithFallback(OutcallConfig.Defaults);
        var settings = NodeSettings.Create(config);
        var (proxySettings, rulesSettings, logSettings, adminSettings, clusterSettings) =
            (settings.Proxy, settings.Rules, settings.Log, settings.Admin, settings.Cluster);

        // Issue 14: interception and secrets come from settings alone; intercept rules load only with a CA.
        var interceptSettings = InterceptSettings.Create(config);
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
        var akkaConfig = ConfigurationFactory.ParseString($"akka.loglevel = {logSettings.AkkaLogLevel}").WithFallback(config);
        var metrics = new ProxyMetrics();
        var pool = new UpstreamPool(settings.UpstreamPool, metrics);
        metrics.RuleSetLoaded(load.RuleSet!.ContentHash, load.RuleSet.LoadedAt, load.RuleSet.Rules.Count);
        var state = new NodeState();
        var active = new ActiveRuleSet(load.RuleSet!);
        var guard = new DestinationGuard(resolver ?? new SystemHostResolver(), [bound]);
        IActorRef? engine = null, listener = null, clusterRules = null;

        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSerilog(serilog, dispose: true);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = proxySettings.ShutdownGrace + TimeSpan.FromSeconds(15));
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
            {
                engine = system.ActorOf(Rules.RuleEngine.PropsSupervised(active, rulesSettings, dir => RuleSetLoader.Load(dir, ruleLoadOptions), metrics), "rules");
                registry.Register<Rules.RuleEngine>(engine);
                if (clusterSettings.Enabled)
                {
                    clusterRules = system.ActorOf(RuleReplicator.Props(clusterSettings, engine, active, load, metrics), "cluster-rules");
                    registry.Register<RuleReplicator>(clusterRules);
                    var cluster = Akka.Cluster.Cluster.Get(system);
                    if (clusterSettings.SeedNodes.Count == 0)
                    {
                        serilog.Warning("No outcall.cluster.seed-nodes: forming a new cluster at {ClusterAddress}", cluster.SelfAddress.ToString());
                        cluster.Join(cluster.SelfAddress);
                    }
                }
                // Akka starts its timer wheel on the first schedule and blocks that caller until the wheel's task runs on the
                // thread pool. If the first schedules are the header timers of many new clients at once, every pool thread
                // blocks there and the pool grows one thread at a time: 50 concurrent CONNECTs to a fresh node stalled ~9 s.
                system.Scheduler.Advanced.ScheduleOnce(TimeSpan.Zero, static () => { });
                var services = new ProxyServices(proxySettings, engine, rulesSettings.AskTimeout, guard, settings.Agents, metrics, pool,
                    new TunnelGraph(proxySettings.IdleTimeout, system.Materializer(namePrefix: "tunnel")))
                {
                    Interception = InterceptServices.Create(interceptSettings, proxySettings.ConnectTimeout, Logging.GetLogger(system, "Outcall.Intercept")),
                    Secrets = secrets,
                };
                listener = system.ActorOf(ProxyListener.Props(listenSocket, services), "proxy");
                registry.Register<ProxyListener>(listener);
                var proxy = listener;
                // FR-015 / EC-013: stop accepting, let live requests and tunnels finish within the grace, then cut.
                CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseServiceRequestsDone, "drain-proxy", async () =>
                {
                    state.Draining = true;
                    var drained = await proxy.Ask<ProxyListener.Drained>(new ProxyListener.DrainConnections(proxySettings.ShutdownGrace),
                        proxySettings.ShutdownGrace + TimeSpan.FromSeconds(10)).ConfigureAwait(false);
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

        var host = builder.Build();
        try
        {
            await host.StartAsync().ConfigureAwait(false);
        }
        catch
        {
            listenSocket.Dispose();
            throw;
        }
        var actorSystem = host.Services.GetRequiredService<ActorSystem>();

        AdminServer? admin = null;
        if (adminSettings.Listen is { } adminListen)
        {
            try
            {
                var api = new AdminApi(new AdminBackend(engine!, metrics, state, bound, adminSettings.AskTimeout, clusterRules));
                admin = await AdminServer.StartAsync(adminListen, api, serilog).ConfigureAwait(false);
            }
            catch
            {
                // Nothing half-started is left behind: the actor system stops and the proxy port is released.
                await host.StopAsync().ConfigureAwait(false);
                host.Dispose();
                throw;
            }
            serilog.Information("Admin API listening on {AdminAddress}", admin.Endpoint.ToString());
        }
        state.Listening = true;
        return new OutcallNode(host, admin, bound, actorSystem, engine!, listener!, clusterRules, metrics, state, handleHangup);
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

    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _host.WaitForShutdownAsync(cancellationToken);

    /// <summary>Graceful stop: the same CoordinatedShutdown path as SIGTERM.</summary>
    /// <remarks>The admin API stops last, so /ready answers 503 while the proxy drains.</remarks>
    public async Task StopAsync()
    {
        await _host.StopAsync().ConfigureAwait(false);
        State.Listening = false;
        if (_admin is not null) await _admin.StopAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        _hangup?.Dispose();
        await StopAsync().ConfigureAwait(false);
        if (_admin is not null) await _admin.DisposeAsync().ConfigureAwait(false);
        _host.Dispose();
    }
}
