using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;
using Outcall.Egress;
using Outcall.Http;
using Outcall.Intercept;
using Outcall.Rules;
using Outcall.Telemetry;
using Outcall.Tls;
using Outcall.Tunnels;

namespace Outcall.Proxy;

/// <summary>
/// One client connection, from its first byte to its close: the state machine only. It reads a request
/// head, admits it (<see cref="Admission"/>), asks the rule engine for a verdict (an ask that fails or
/// times out is a BLOCK, EC-008), checks the destination, leases an upstream (<see cref="UpstreamLease"/>),
/// then relays one HTTP exchange (<see cref="HttpExchange"/>) or, for CONNECT and Upgrade, peeks at the
/// ClientHello (<see cref="ServerNameDecision"/>) and runs a tunnel. Every verdict is audited through
/// <see cref="ConnectionLog"/>; failures are <see cref="ProxyError"/>s.
/// Each state is a method that receives its data (Akka IO's style), so what a state knows is in its
/// parameters. Socket work runs as tasks piped back as messages (or handled at once when already
/// complete), so the actor always hears a drain or a stop. Its failure closes this client alone.
/// </summary>
public sealed class ClientConnection : UntypedActor, IWithTimers
{
    /// <summary>Sent by the listener at shutdown: finish what is in flight, start nothing new.</summary>
    public sealed record Drain
    {
        public static readonly Drain Instance = new();
        private Drain() { }
    }

    // Results piped back from socket work and asks. One may arrive after the actor stopped: expected, not a dead letter.
    private sealed record ClientRead(int Count) : IDeadLetterSuppression;
    private sealed record ClientReadFailed(Exception Cause) : IDeadLetterSuppression;
    private sealed record ClientWriteFailed(Exception Cause) : IDeadLetterSuppression;
    private sealed record Judged(RuleEvaluation Evaluation, Exception? Failure) : IDeadLetterSuppression;
    private sealed record DestinationChecked(DestinationCheck Check) : IDeadLetterSuppression;
    private sealed record Connected(UpstreamConnection Connection) : IDeadLetterSuppression;
    private sealed record ExchangeDone(ExchangeOutcome Outcome) : IDeadLetterSuppression;
    private sealed record TunnelEnded(Exception? Cause) : IDeadLetterSuppression;
    private sealed record InterceptOpened(InterceptOutcome Outcome) : IDeadLetterSuppression;

    private sealed record ResponseWritten : IDeadLetterSuppression
    {
        public static readonly ResponseWritten Instance = new();
        private ResponseWritten() { }
    }

    private sealed record Lingered : IDeadLetterSuppression
    {
        public static readonly Lingered Instance = new();
        private Lingered() { }
    }

    /// <summary>The timer of a head: first the keep-alive idle wait, then the header timeout once bytes arrive.</summary>
    private sealed class HeadTimer
    {
        public static readonly HeadTimer Key = new();
        private HeadTimer() { }
    }

    /// <summary>The timer of the ClientHello peek after a CONNECT's 200.</summary>
    private sealed class HelloTimer
    {
        public static readonly HelloTimer Key = new();
        private HelloTimer() { }
    }

    private sealed record IdleTimedOut : IDeadLetterSuppression
    {
        public static readonly IdleTimedOut Instance = new();
        private IdleTimedOut() { }
    }

    private sealed record HeadTimedOut : IDeadLetterSuppression
    {
        public static readonly HeadTimedOut Instance = new();
        private HeadTimedOut() { }
    }

    private sealed record HelloTimedOut : IDeadLetterSuppression
    {
        public static readonly HelloTimedOut Instance = new();
        private HelloTimedOut() { }
    }

    /// <param name="Running">A socket tunnel; null for the relay inside an intercepted tunnel, which ends with the lifetime token.</param>
    private sealed record OpenTunnel(RunningTunnel? Running, Task Completion, TunnelTraffic Traffic);

    /// <summary>
    /// An intercepted tunnel (issue 14): every request read from the client's decrypted session is judged and
    /// relayed over <paramref name="Lease"/>, the verified TLS session to the tunnel's checked address.
    /// </summary>
    /// <param name="Host">The name the tunnel was judged by and the upstream proved (the SNI, else the CONNECT host).</param>
    private sealed record InterceptedTunnel(string Host, int Port, UpstreamLease Lease, string Agent);

    private readonly Socket _client;
    /// <summary>What requests are read from and responses written to: the socket, or the decrypted session of an intercepted tunnel.</summary>
    private ByteChannel _clientChannel;
    private readonly ProxyServices _services;
    private readonly ProxySettings _settings;
    private readonly string _clientIp;
    private readonly string _agent;
    private readonly IPEndPoint _reachedAt;
    private readonly ConnectionLog _log;
    private readonly ConnectionBuffer _clientBuffer;
    /// <summary>How far the head being read has been scanned, so a slow client's bytes are each scanned once.</summary>
    private readonly RequestHeadScan _headScan = new();
    private readonly CancellationTokenSource _lifetime = new();

    // What PostStop must release: each is set while held and cleared when handed on.
    private UpstreamLease? _upstream;
    private OpenTunnel? _tunnel;
    /// <summary>The client's TLS session once a tunnel is intercepted; every later request is read from it.</summary>
    private SslStream? _clientTls;
    private InterceptedTunnel? _intercepted;

    /// <summary>
    /// A CONNECT the rules allowed whose count waits for its SNI: a tunnel refused for its SNI is counted once,
    /// as blocked. Counted as allowed when its tunnel starts, or when the connection ends before the SNI step.
    /// </summary>
    private bool _connectAllowUncounted;
    /// <summary>That CONNECT, or its SNI, was let through by observe mode: it counts as would_block, not allow.</summary>
    private bool _connectWouldBlock;

    /// <summary>A client read is in flight. Written only on the actor: set when a read starts, cleared when its result arrives.</summary>
    private bool _readPending;
    private bool _draining;
    /// <summary>The head timer waits out a keep-alive client's idle timeout (no byte of the next head yet).</summary>
    private bool _idleTimerArmed;
    /// <summary>When the head being read got its first bytes (or the connection started): its header timeout counts from here.</summary>
    private long _headStarted;
    /// <summary>A read that completed at once is being handled on this call stack.</summary>
    private bool _readingInline;

    public ITimerScheduler Timers { get; set; } = null!;

    public ClientConnection(Socket client, ProxyServices services)
    {
        _client = client;
        _clientChannel = new SocketChannel(client);
        _services = services;
        _settings = services.Settings;
        var clientAddress = ((IPEndPoint)client.RemoteEndPoint!).Address;
        _clientIp = clientAddress.ToString();
        _agent = services.Agents.NameOf(clientAddress);
        _reachedAt = (IPEndPoint)client.LocalEndPoint!;
        _log = new ConnectionLog(Context.GetLogger(), _clientIp, services.Events);
        _clientBuffer = new ConnectionBuffer(Math.Max(_settings.MaxHeaderBytes + 1, _settings.ClientHelloMaxBytes + 1));
    }

    /// <summary>
    /// Made by a producer that calls the constructor: <c>Props.Create(() => new ...)</c> evaluates its expression per client
    /// and creates the actor by reflection, a few percent of a tunnel's set-up CPU at one actor per client.
    /// </summary>
    public static Props Props(Socket client, ProxyServices services) => Akka.Actor.Props.CreateBy(new Producer(client, services));

    private sealed class Producer(Socket client, ProxyServices services) : IIndirectActorProducer
    {
        public Type ActorType => typeof(ClientConnection);
        public ActorBase Produce() => new ClientConnection(client, services);
        public void Release(ActorBase actor) { }
    }

    private ProxyMetrics Metrics => _services.Metrics;

    protected override void PreStart()
    {
        Metrics.ConnectionOpened();
        WaitForHead(keepAliveWait: false);
    }

    protected override void PostStop()
    {
        Metrics.ConnectionClosed();
        CountAllowedConnect();
        if (_tunnel is { } tunnel)
        {
            Metrics.TunnelClosed();
            Metrics.AddBytes(tunnel.Traffic.BytesUp, tunnel.Traffic.BytesDown);
            // Only a tunnel still running is aborted: aborting a finished one faults a task nobody observes, which costs
            // the finalizer thread an exception message per connection.
            if (!tunnel.Completion.IsCompleted) tunnel.Running?.Abort(new OperationCanceledException("connection closed"));
        }
        _lifetime.Cancel();
        _clientTls?.Dispose();
        _client.Dispose();
        _upstream?.Dispose();
        _clientBuffer.Dispose();
        _lifetime.Dispose();
    }

    protected override bool AroundReceive(Receive receive, object message)
    {
        // A read's result is seen here, on the actor, whichever state it reaches (never in the task's continuation).
        if (message is ClientRead or ClientReadFailed) _readPending = false;
        return base.AroundReceive(receive, message);
    }

    // Each state is a method switched to with Become: a ReceiveActor rebuilds its handler tables on every
    // Become, which at one actor per client and ten state changes per tunnel was a tenth of all allocation.
    protected override void OnReceive(object message) => ReadingHead(message);

    /// <summary>What every state but reading a head does on a drain: finish what is in flight, start nothing new.</summary>
    private void WhileBusy(object message)
    {
        if (message is Drain) _draining = true;
        else Unhandled(message);
    }

    // ---- reading a request head ----

    private void ReadingHead(object message)
    {
        switch (message)
        {
            case ClientRead read:
                OnHeadBytes(read.Count);
                break;
            case HeadTimedOut when _clientBuffer.Count > 0:
                OnHeadDeadline();
                break;
            case IdleTimedOut:
                // FR-011: an idle keep-alive client is closed in order, with a FIN, never a reset.
                SocketClosing.SendFin(_client);
                Context.Stop(Self);
                break;
            case ClientReadFailed or Drain or HeadTimedOut:
                Context.Stop(Self);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void WaitForHead(bool keepAliveWait)
    {
        Become(ReadingHead);
        // A keep-alive client may stay silent for the idle timeout; once it starts a head it has header-timeout to finish it.
        _idleTimerArmed = keepAliveWait && _clientBuffer.Count == 0;
        _headStarted = Stopwatch.GetTimestamp();
        if (_idleTimerArmed) Timers.StartSingleTimer(HeadTimer.Key, IdleTimedOut.Instance, _settings.IdleTimeout);
        else Timers.StartSingleTimer(HeadTimer.Key, HeadTimedOut.Instance, _settings.HeaderTimeout);
        if (_clientBuffer.Count > 0) ParseHead();
        else ReadHead();
    }

    private void OnHeadBytes(int count)
    {
        if (count == 0)
        {
            Context.Stop(Self);
            return;
        }
        if (_clientBuffer.Count == count)
        {
            // The head's first bytes start its header timeout. The header timer already armed (a new connection's) is not
            // re-armed, a schedule and a cancel per connection: when it fires it re-arms itself for what is left.
            _headStarted = Stopwatch.GetTimestamp();
            if (_idleTimerArmed)
            {
                _idleTimerArmed = false;
                Timers.StartSingleTimer(HeadTimer.Key, HeadTimedOut.Instance, _settings.HeaderTimeout);
            }
        }
        ParseHead();
    }

    private void OnHeadDeadline()
    {
        var left = _settings.HeaderTimeout - Stopwatch.GetElapsedTime(_headStarted);
        if (left > TimeSpan.Zero)
        {
            Timers.StartSingleTimer(HeadTimer.Key, HeadTimedOut.Instance, left);
            return;
        }
        _log.HeadTimedOut(_settings.HeaderTimeout);
        Respond(ProxyResponses.Error(408, "Outcall: request head not received in time"), close: true);
    }

    private void ParseHead()
    {
        var parsed = RequestHeadParser.Parse(_clientBuffer.Span, _settings.MaxHeaderBytes, _headScan);
        if (parsed.Status != HeadParseStatus.NeedMoreData) _headScan.Reset();
        switch (parsed)
        {
            case { Status: HeadParseStatus.NeedMoreData } when _clientBuffer.IsFull:
                RefuseMalformed(431, "request head too large");
                return;
            case { Status: HeadParseStatus.NeedMoreData }:
                ReadHead();
                return;
            case { Status: HeadParseStatus.Complete, Head: { } head }:
                Timers.Cancel(HeadTimer.Key);
                _clientBuffer.Consume(parsed.Consumed);
                OnRequest(head);
                return;
            default:
                RefuseMalformed(parsed.StatusCode, parsed.Reason ?? "malformed request");
                return;
        }
    }

    private void RefuseMalformed(int status, string reason)
    {
        Timers.Cancel(HeadTimer.Key);
        _log.RefusedMalformed(status, reason);
        Respond(ProxyResponses.Error(status, $"Outcall: {reason}"), close: true);
    }

    // ---- admitting and judging ----

    private void OnRequest(RequestHead head)
    {
        if (_intercepted is { } tunnel)
        {
            OnInterceptedRequest(tunnel, head);
            return;
        }
        // Each request may name its agent with a proxy credential (FR-014); without one the network's agent stands.
        var identity = _services.Agents.Identify(_agent, head.Headers);
        var admission = Admission.Decide(head, identity.Agent, _services.Agents.RequireKnownAgent, _reachedAt, identity.AuthenticationProblem);
        switch (admission.Action)
        {
            case AdmissionAction.ServeHealth:
                Respond(ProxyResponses.Health(Metrics.ActiveConnections, Metrics.TotalRequests, Metrics.TotalBlocked),
                    close: !head.KeepAlive || head.Framing != BodyFraming.None);
                return;
            case AdmissionAction.Refuse:
                RefuseMalformed(admission.Status, admission.Reason);
                return;
        }
        var request = JudgedRequest.Admit(head, _clientIp, identity.Agent);
        if (admission.Action == AdmissionAction.Block)
        {
            Block(request, AuditEvent.Blocked(request, admission.Reason, null), admission.BlockReason);
            return;
        }
        AskVerdict(request.Context);
        Become(AwaitingVerdict(request));
    }

    /// <summary>A request read inside an intercepted tunnel: bound to the tunnel's host, then judged by the whole rule set.</summary>
    private void OnInterceptedRequest(InterceptedTunnel tunnel, RequestHead head)
    {
        var bound = InterceptedRequest.Bind(head, tunnel.Host, tunnel.Port);
        if (bound.Head is null)
        {
            RefuseMalformed(bound.Status, bound.Reason);
            return;
        }
        // Inside the tunnel the agent is the one its CONNECT was judged for.
        var request = JudgedRequest.Admit(bound.Head, _clientIp, tunnel.Agent);
        AskVerdict(request.Context);
        Become(AwaitingVerdict(request));
    }

    private void AskVerdict(EvaluationContext context)
    {
        _services.RuleEngine.Ask<RuleEvaluation>(new RuleEngine.Evaluate(context), _services.AskTimeout)
            .PipeTo(Self, success: e => new Judged(e, null),
                failure: e => new Judged(new RuleEvaluation(Verdict.EngineUnavailable, []), e));
    }

    private UntypedReceive AwaitingVerdict(JudgedRequest request) => message =>
    {
        if (message is Judged judged) OnVerdict(request, judged);
        else WhileBusy(message);
    };

    private void OnVerdict(JudgedRequest request, Judged judged)
    {
        var decision = _services.Observe.Decide(judged.Evaluation.Verdict, judged.Failure is not null, request.Agent);
        if (judged.Failure is not null) _log.EngineUnavailable(request, judged.Failure);
        if (decision.Outcome == RulesOutcome.Block)
        {
            Block(request, AuditEvent.Of(request, judged.Evaluation), decision.BlockReason);
            return;
        }
        // Observe mode: carried on like an allow (destination guard included), audited as WOULD_BLOCK with its rule.
        if (decision.Outcome == RulesOutcome.WouldBlock) request = request with { WouldBlockIn = judged.Evaluation.DecidedBy };
        var verdict = decision.Verdict;
        if (!_services.Secrets.IsEmpty && !TryPutSecrets(ref request, verdict)) return;
        if (MaxForwardsAnswer.AnswersLocally(request.Head))
        {
            // RFC 9110 §7.6.2: the proxy is the final recipient; nothing is dialled. An unread body ends the connection.
            Allowed(request, verdict);
            var head = request.Head;
            var close = head.Framing != BodyFraming.None || !head.KeepAlive || _draining;
            Respond(MaxForwardsAnswer.Response(head, close), close);
            return;
        }
        if (_intercepted is { } tunnel)
        {
            // The tunnel's destination was checked and its upstream verified when it opened.
            Allowed(request, verdict);
            StartExchange(request, tunnel.Lease, []);
            return;
        }
        if (request.IsConnect) request = request with { Egress = verdict.Mode };
        CheckDestination(request, verdict);
    }

    /// <summary>
    /// Secrets for placeholders (issue 14), after the verdict so rules saw only placeholders: put in for a bound host
    /// over verified TLS (or plain HTTP where allowed), else the request is refused, 403 at warning.
    /// </summary>
    private bool TryPutSecrets(ref JudgedRequest request, Verdict verdict)
    {
        var head = request.Head;
        var carrier = _intercepted is not null ? SecretCarrier.VerifiedTls : request.IsConnect ? SecretCarrier.Opaque : SecretCarrier.Plaintext;
        var result = SecretSubstitution.Apply(_services.Secrets, head.Headers, head.Method, head.Host, carrier);
        if (result.Refusal is { } refusal)
        {
            Block(request, AuditEvent.Blocked(request, refusal, verdict), BlockReason.Destination);
            return false;
        }
        if (!ReferenceEquals(result.Headers, head.Headers)) request = request with { Head = InterceptedRequest.WithHeaders(head, result.Headers) };
        return true;
    }

    /// <summary>SC-007 / FR-013: one audit event per refused request, at warning; then the IF-004 response (a 407 for a credential).</summary>
    private void Block(JudgedRequest request, in AuditEvent audit, BlockReason reason)
    {
        Metrics.RequestBlocked(request.Kind, reason);
        _log.Verdict(audit);
        var head = request.Head;
        // After a refused CONNECT or Upgrade, or with a body we did not read, nothing more from this client is parsed.
        var close = head.TargetForm == TargetForm.Authority || head.Upgrade is not null
                    || head.Framing != BodyFraming.None || !head.KeepAlive || _draining;
        var response = reason == BlockReason.ProxyAuth
            ? ProxyResponses.ProxyAuthenticationRequired(audit.Reason, close)
            : ProxyResponses.Blocked(audit.Reason, close);
        // A body the client may still be sending is read to its end first, so it can read this answer (not EPIPE).
        Respond(response, close, unreadBody: head);
    }

    /// <summary>The allow half of the audit trail, at debug: the verdict and the checked destination passed.</summary>
    private void Allowed(JudgedRequest request, Verdict verdict)
    {
        if (request.IsConnect)
        {
            _connectAllowUncounted = true;
            _connectWouldBlock = verdict.WouldBlock;
        }
        else if (verdict.WouldBlock) Metrics.RequestWouldBlock(request.Kind);
        else Metrics.RequestAllowed(request.Kind);
        _log.Verdict(AuditEvent.Of(request, verdict));
    }

    private void CountAllowedConnect()
    {
        if (!_connectAllowUncounted) return;
        _connectAllowUncounted = false;
        if (_connectWouldBlock) Metrics.RequestWouldBlock(RequestKind.Connect);
        else Metrics.RequestAllowed(RequestKind.Connect);
    }

    // ---- destination and connect ----

    private void CheckDestination(JudgedRequest request, Verdict verdict)
    {
        Become(CheckingDestination(request, verdict));
        var host = request.Head.Host;
        var check = _services.Guard.CheckAsync(host, request.Head.Port, verdict.AllowPrivateIps, _lifetime.Token);
        // An IP literal or a cached answer is known at once: no round trip through the mailbox.
        if (check.IsCompletedSuccessfully)
        {
            OnDestinationChecked(request, verdict, check.Result);
            return;
        }
        check.PipeTo(Self, success: c => new DestinationChecked(c),
            failure: _ => new DestinationChecked(new DestinationCheck(DestinationStatus.ResolutionFailed, [], $"DNS resolution failed for {host}")));
    }

    private UntypedReceive CheckingDestination(JudgedRequest request, Verdict verdict) => message =>
    {
        if (message is DestinationChecked checkedMessage) OnDestinationChecked(request, verdict, checkedMessage.Check);
        else WhileBusy(message);
    };

    private void OnDestinationChecked(JudgedRequest request, Verdict verdict, DestinationCheck check)
    {
        switch (check.Status)
        {
            case DestinationStatus.Forbidden:
                Block(request, AuditEvent.Refused(request, check, verdict), BlockReason.Destination);
                return;
            case DestinationStatus.ResolutionFailed:
                Allowed(request, verdict);
                _log.DnsFailed(request.Head);
                Fail(request.Head, ProxyError.DestinationUnresolved, check.Reason ?? "DNS resolution failed");
                return;
        }
        Allowed(request, verdict);
        if (UpstreamLease.TryRent(_services.Pool, request.Head, check.Endpoints) is { } pooled)
        {
            StartExchange(request, Hold(pooled), check.Endpoints);
            return;
        }
        ConnectFresh(request, check.Endpoints);
    }

    private void ConnectFresh(JudgedRequest request, IReadOnlyList<IPEndPoint> checkedEndpoints)
    {
        UpstreamConnector.ConnectAsync(checkedEndpoints, _settings.ConnectTimeout, _lifetime.Token)
            .PipeTo(Self, success: c => new Connected(c),
                failure: e => new Connected(new UpstreamConnection(null, null, ProxyError.UpstreamConnect, $"connect failed ({e.GetType().Name})")));
        Become(Connecting(request, checkedEndpoints));
    }

    private UntypedReceive Connecting(JudgedRequest request, IReadOnlyList<IPEndPoint> checkedEndpoints) => message =>
    {
        if (message is Connected connected) OnConnected(request, checkedEndpoints, connected.Connection);
        else WhileBusy(message);
    };

    private void OnConnected(JudgedRequest request, IReadOnlyList<IPEndPoint> checkedEndpoints, UpstreamConnection connection)
    {
        if (connection is not { Socket: { } socket, RemoteEndPoint: { } endpoint })
        {
            _log.UpstreamFailed(request.Head, connection.Failure);
            Fail(request.Head, connection.Error ?? ProxyError.UpstreamConnect, connection.Failure ?? "connect failed");
            return;
        }
        var lease = Hold(UpstreamLease.Fresh(socket, endpoint));
        if (request.IsConnect) EstablishTunnel(request, lease);
        else StartExchange(request, lease, checkedEndpoints);
    }

    /// <summary>A request that was allowed but cannot be carried: counted by kind, answered with its status, closed.</summary>
    private void Fail(RequestHead head, ProxyError error, string problem)
    {
        CountUpstreamError(error);
        // Nothing of the body went anywhere yet: like a refusal, it is read off so the client can read this answer.
        Respond(ProxyResponses.Error(ProxyErrors.StatusOf(error), $"Outcall: {problem}"), close: true, unreadBody: head);
    }

    private void CountUpstreamError(ProxyError error)
    {
        if (ProxyErrors.MetricKindOf(error) is { } kind) Metrics.UpstreamError(kind);
    }

    private UpstreamLease Hold(UpstreamLease lease) => _upstream = lease;

    private void Release(UpstreamLease lease, bool reusable)
    {
        lease.Release(_services.Pool, reusable);
        if (ReferenceEquals(_upstream, lease)) _upstream = null;
    }

    // ---- plain HTTP and Upgrade ----

    private void StartExchange(JudgedRequest request, UpstreamLease lease, IReadOnlyList<IPEndPoint> checkedEndpoints)
    {
        var head = request.Head;
        HttpExchange.RunAsync(_clientChannel, _clientBuffer, lease.Channel, lease.Buffer, head, _settings, _clientIp, lease.MayResend(head.Method), _lifetime.Token,
                tiedToUpstream: lease.IsSecured)
            .PipeTo(Self, success: o => new ExchangeDone(o),
                failure: e => new ExchangeDone(new ExchangeOutcome(ExchangeEnd.Aborted, false, false, 0, ProxyError.UpstreamConnectionFailed, 0, 0, e.GetType().Name)));
        Become(Exchanging(request, lease, checkedEndpoints));
    }

    private UntypedReceive Exchanging(JudgedRequest request, UpstreamLease lease, IReadOnlyList<IPEndPoint> checkedEndpoints) => message =>
    {
        if (message is ExchangeDone done) OnExchangeDone(request, lease, checkedEndpoints, done.Outcome);
        else WhileBusy(message);
    };

    private void OnExchangeDone(JudgedRequest request, UpstreamLease lease, IReadOnlyList<IPEndPoint> checkedEndpoints, ExchangeOutcome outcome)
    {
        Metrics.AddBytes(outcome.BytesUp, outcome.BytesDown);
        _log.ExchangeEnded(request, outcome);
        switch (outcome.End)
        {
            case ExchangeEnd.Upgraded when lease.IsSecured:
                StartSessionRelay(request, lease);
                return;
            case ExchangeEnd.Upgraded:
                StartTunnel(request, lease, _clientBuffer.TakeAll(), lease.Buffer.TakeAll());
                return;
            case ExchangeEnd.NotSent:
                Metrics.Retry();
                _log.Resending(request.Head);
                Release(lease, reusable: false);
                ConnectFresh(request, checkedEndpoints);
                return;
            case ExchangeEnd.Aborted:
                CountUpstreamError(outcome.Error ?? ProxyError.UpstreamConnectionFailed);
                _log.ExchangeAborted(request.Head, outcome.Problem);
                Context.Stop(Self);
                return;
        }
        if (lease.IsSecured)
        {
            // An intercepted tunnel has this one upstream session: the client's connection ends with it.
            if (!outcome.UpstreamReusable || !outcome.ClientKeepAlive || _draining) CloseClient();
            else WaitForHead(keepAliveWait: true);
            return;
        }
        Release(lease, outcome.UpstreamReusable);
        if (!outcome.ClientKeepAlive || _draining)
        {
            Context.Stop(Self);
            return;
        }
        WaitForHead(keepAliveWait: true);
    }

    // ---- CONNECT: the 200, the ClientHello peek, the SNI verdict, the tunnel ----

    private void EstablishTunnel(JudgedRequest request, UpstreamLease lease)
    {
        Become(EstablishingTunnel(request, lease));
        var written = _client.SendAsync(ProxyResponses.ConnectionEstablished, SocketFlags.None, _lifetime.Token);
        // 39 bytes into a fresh connection's empty send buffer: nearly always written at once.
        if (written.IsCompletedSuccessfully) StartPeeking(request, lease);
        else written.AsTask().PipeTo(Self, success: _ => ResponseWritten.Instance, failure: e => new ClientWriteFailed(e));
    }

    private UntypedReceive EstablishingTunnel(JudgedRequest request, UpstreamLease lease) => message =>
    {
        switch (message)
        {
            case ResponseWritten:
                StartPeeking(request, lease);
                break;
            case ClientWriteFailed:
                Context.Stop(Self);
                break;
            default:
                WhileBusy(message);
                break;
        }
    };

    private void StartPeeking(JudgedRequest request, UpstreamLease lease)
    {
        Timers.StartSingleTimer(HelloTimer.Key, HelloTimedOut.Instance, _settings.ClientHelloTimeout);
        var helloRead = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token);
        Become(PeekingHello(request, lease, helloRead));
        // A client that did not wait for the 200 has its first bytes here already: judge them without waiting for more.
        if (_clientBuffer.Count > 0) OnHelloBytes(request, lease, helloRead, _clientBuffer.Count);
        else ReadClient(helloRead.Token);
    }

    /// <param name="helloRead">Cancels the pending read at the hello timeout (the read is the only thing waiting).</param>
    private UntypedReceive PeekingHello(JudgedRequest request, UpstreamLease lease, CancellationTokenSource helloRead) => message =>
    {
        switch (message)
        {
            case ClientRead read:
                OnHelloBytes(request, lease, helloRead, read.Count);
                break;
            // Our own cancellation at the hello timeout: no byte was taken.
            case ClientReadFailed { Cause: OperationCanceledException } when helloRead.IsCancellationRequested && !_lifetime.IsCancellationRequested:
                OnHelloDecided(request, lease, ServerNameDecision.OnTimeout(_clientBuffer.Span, _settings.ClientHelloMaxBytes));
                break;
            case ClientReadFailed:
                Context.Stop(Self);
                break;
            case HelloTimedOut:
                helloRead.Cancel();
                break;
            default:
                WhileBusy(message);
                break;
        }
    };

    private void OnHelloBytes(JudgedRequest request, UpstreamLease lease, CancellationTokenSource helloRead, int count)
    {
        var decision = count == 0
            ? ServerNameDecision.OnClientClosed(_clientBuffer.Span, _settings.ClientHelloMaxBytes)
            : ServerNameDecision.OnBytes(_clientBuffer.Span, request.Context.NetworkHostname, _settings.ClientHelloMaxBytes,
                canReadMore: !_clientBuffer.IsFull && !helloRead.IsCancellationRequested);
        if (decision.Action == HelloAction.ReadMore) ReadClient(helloRead.Token);
        else OnHelloDecided(request, lease, decision);
    }

    private void OnHelloDecided(JudgedRequest request, UpstreamLease lease, HelloDecision decision)
    {
        Timers.Cancel(HelloTimer.Key);
        switch (decision)
        {
            case { Action: HelloAction.Tunnel } when Intercepts(request):
                StartInterception(request, lease);
                return;
            case { Action: HelloAction.Tunnel }:
                StartTunnel(request, lease, _clientBuffer.TakeAll(), []);
                return;
            case { Action: HelloAction.JudgeServerName, ServerName: { } serverName }:
                var byName = request.ByServerName(serverName);
                AskVerdict(byName.Context);
                Become(AwaitingServerNameVerdict(byName, lease));
                return;
            default:
                _log.TunnelRefused(request.Head, decision.Problem);
                Context.Stop(Self);
                return;
        }
    }

    private UntypedReceive AwaitingServerNameVerdict(JudgedRequest request, UpstreamLease lease) => message =>
    {
        if (message is Judged judged) OnServerNameVerdict(request, lease, judged);
        else WhileBusy(message);
    };

    private void OnServerNameVerdict(JudgedRequest request, UpstreamLease lease, Judged judged)
    {
        var decision = _services.Observe.Decide(judged.Evaluation.Verdict, judged.Failure is not null, request.Agent);
        if (judged.Failure is not null) _log.EngineUnavailable(request, judged.Failure);
        if (decision.Outcome == RulesOutcome.WouldBlock)
        {
            _connectWouldBlock = true;
            _log.Verdict(AuditEvent.Of(request with { WouldBlockIn = judged.Evaluation.DecidedBy }, decision.Verdict));
        }
        else _log.Verdict(AuditEvent.Of(request, judged.Evaluation));
        if (decision.Outcome == RulesOutcome.Block)
        {
            _connectAllowUncounted = false;
            Metrics.RequestBlocked(RequestKind.Connect, BlockReason.ServerName);
            Context.Stop(Self);
            return;
        }
        var byName = request with { Egress = decision.Verdict.Mode };
        if (Intercepts(byName)) StartInterception(byName, lease);
        else StartTunnel(byName, lease, _clientBuffer.TakeAll(), []);
    }

    // ---- interception: the client's TLS ended with a leaf, a verified session upstream, every request judged ----

    /// <summary>Only on a node with a CA (S011-FR-022) and when the deciding allow rule says <c>mode: intercept</c>.</summary>
    private bool Intercepts(JudgedRequest request) => request.Egress == EgressMode.Intercept && _services.Interception is not null;

    private void StartInterception(JudgedRequest request, UpstreamLease lease)
    {
        var name = LeafMinter.Normalize(request.Context.NetworkHostname);
        InterceptHandshake.OpenAsync(_services.Interception!, _client, _clientBuffer.TakeAll(), lease.Socket, name, _lifetime.Token)
            .PipeTo(Self, success: o => new InterceptOpened(o),
                failure: e => new InterceptOpened(new InterceptOutcome(null, InterceptFailureReason.ClientHandshakeFailed, e.GetType().Name)));
        Become(OpeningInterception(request, lease, name));
    }

    private UntypedReceive OpeningInterception(JudgedRequest request, UpstreamLease lease, string name) => message =>
    {
        if (message is InterceptOpened opened) OnInterceptOpened(request, lease, name, opened.Outcome);
        else WhileBusy(message);
    };

    private void OnInterceptOpened(JudgedRequest request, UpstreamLease lease, string name, InterceptOutcome outcome)
    {
        if (outcome.Session is not { } session)
        {
            // Closed, never carried on as an unverified or uninspected tunnel.
            _log.InterceptFailed(request.Head, name, outcome.Reason, outcome.Detail);
            Context.Stop(Self);
            return;
        }
        CountAllowedConnect();
        _clientTls = session.Client;
        _clientChannel = new StreamChannel(session.Client);
        lease.Secure(session.Upstream);
        _intercepted = new InterceptedTunnel(name, request.Head.Port, lease, request.Agent);
        _log.Intercepting(request.Head, name);
        if (_draining) CloseClient();
        else WaitForHead(keepAliveWait: true);
    }

    /// <summary>A WebSocket (or other 101) inside an intercepted tunnel: both decrypted sessions relayed, uninspected (S011-EC-007).</summary>
    private void StartSessionRelay(JudgedRequest request, UpstreamLease lease)
    {
        var traffic = new TunnelTraffic();
        var relay = SessionRelay.RunAsync(_clientChannel, _clientBuffer.TakeAll(), lease.Channel, lease.Buffer.TakeAll(), _settings.IdleTimeout, traffic, _lifetime.Token);
        _tunnel = new OpenTunnel(null, relay, traffic);
        Metrics.TunnelOpened();
        relay.PipeTo(Self, success: () => new TunnelEnded(null), failure: e => new TunnelEnded(e));
        Become(Tunnelling(request, traffic));
    }

    private void StartTunnel(JudgedRequest request, UpstreamLease lease, byte[] clientPrefix, byte[] upstreamPrefix)
    {
        var traffic = new TunnelTraffic();
        var running = _services.Tunnels.Run(_client, clientPrefix, lease.Socket, upstreamPrefix, traffic);
        _tunnel = new OpenTunnel(running, running.Completion, traffic);
        Metrics.TunnelOpened();
        CountAllowedConnect();
        running.Completion.PipeTo(Self, success: () => new TunnelEnded(null), failure: e => new TunnelEnded(e));
        Become(Tunnelling(request, traffic));
    }

    /// <summary>A live tunnel is left to finish during the drain; the listener stops us when the grace runs out.</summary>
    private UntypedReceive Tunnelling(JudgedRequest request, TunnelTraffic traffic) => message =>
    {
        if (message is not TunnelEnded ended)
        {
            WhileBusy(message);
            return;
        }
        _log.TunnelEnded(request.Head, traffic.BytesUp, traffic.BytesDown, ended.Cause);
        Context.Stop(Self);
    };

    // ---- writing our own responses ----

    /// <param name="unreadBody">A refused request whose body is still to come, discarded before the close.</param>
    private void Respond(byte[] response, bool close, RequestHead? unreadBody = null)
    {
        SendAsync(response).PipeTo(Self, success: () => ResponseWritten.Instance, failure: e => new ClientWriteFailed(e));
        Become(Responding(close, unreadBody));
    }

    /// <summary>Ends the client's connection after a complete exchange: inside TLS with a close_notify first.</summary>
    private void CloseClient() => Respond([], close: true);

    private Task SendAsync(byte[] response) =>
        response.Length == 0 ? Task.CompletedTask : _clientChannel.SendAsync(response, _lifetime.Token).AsTask();

    private UntypedReceive Responding(bool close, RequestHead? unreadBody) => message =>
    {
        switch (message)
        {
            case ResponseWritten when close || _draining:
                CloseAfterResponseAsync(unreadBody).PipeTo(Self, success: () => Lingered.Instance, failure: _ => Lingered.Instance);
                break;
            case ResponseWritten:
                WaitForHead(keepAliveWait: true);
                break;
            case Lingered or ClientWriteFailed or ClientReadFailed:
                Context.Stop(Self);
                break;
            default:
                WhileBusy(message);
                break;
        }
    };

    /// <summary>Runs off the actor, which waits in Responding meanwhile and touches neither the socket nor the buffer.</summary>
    private async Task CloseAfterResponseAsync(RequestHead? unreadBody)
    {
        if (unreadBody is not null)
            await RefusedBody.DiscardAsync(_clientChannel, _clientBuffer, unreadBody, _settings.MaxRefusedBodyBytes, _settings.IdleTimeout, _lifetime.Token)
                .ConfigureAwait(false);
        // Inside an intercepted tunnel the client learns of a deliberate end from TLS (close_notify), not a bare FIN.
        try
        {
            await _clientChannel.CloseOutputAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // The session is already broken: the FIN that follows ends it.
        }
        await SocketClosing.LingerAsync(_client).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads a head's bytes. A new client's request is usually in the socket by the time its actor starts, so a read
    /// the socket completes at once is handled here rather than piped through the mailbox (one hop per connection);
    /// once per message, so a client streaming bytes cannot recurse this deep.
    /// </summary>
    private void ReadHead()
    {
        if (_readPending) return;
        if (!_readingInline)
        {
            var fill = _clientBuffer.FillAsync(_clientChannel, _lifetime.Token);
            if (fill.IsCompletedSuccessfully)
            {
                _readingInline = true;
                OnHeadBytes(fill.Result);
                _readingInline = false;
                return;
            }
            _readPending = true;
            PipeRead(fill);
            return;
        }
        ReadClient(_lifetime.Token);
    }

    private void ReadClient(CancellationToken token)
    {
        if (_readPending) return;
        _readPending = true;
        PipeRead(_clientBuffer.FillAsync(_clientChannel, token));
    }

    private void PipeRead(ValueTask<int> fill) =>
        fill.AsTask().PipeTo(Self, success: n => new ClientRead(n), failure: e => new ClientReadFailed(e));
}
