using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;
using Outcall.Egress;
using Outcall.Http;
using Outcall.Rules;
using Outcall.Telemetry;
using Outcall.Tls;
using Outcall.Tunnels;

namespace Outcall.Proxy;

/// <summary>
/// One client connection, from its first byte to its close. It reads a request head, asks the rule
/// engine for a verdict (an ask that fails or times out is a BLOCK, EC-008), checks the destination,
/// connects, and then relays one HTTP exchange, or turns into a tunnel for CONNECT and Upgrade.
/// Socket work runs as tasks piped back as messages (or handled at once when already complete), so the
/// actor always hears a drain or a stop.
/// Its failure closes this client alone.
/// </summary>
public sealed class ClientConnection : UntypedActor, IWithTimers
{
    /// <summary>Sent by the listener at shutdown: finish what is in flight, start nothing new.</summary>
    public sealed record Drain
    {
        public static readonly Drain Instance = new();
        private Drain() { }
    }

    private sealed record ClientRead(int Count);
    private sealed record ClientReadFailed(Exception Cause);
    private sealed record Judged(RuleEvaluation Evaluation, Exception? Failure);
    private sealed record DestinationChecked(DestinationCheck Check);
    private sealed record Connected(UpstreamConnection Connection);
    private sealed record ExchangeDone(ExchangeOutcome Outcome);
    private sealed record ResponseWritten(bool Close);
    private sealed record TunnelEnded(Exception? Cause);
    private sealed record TimedOut(string What);
    private sealed record Lingered
    {
        public static readonly Lingered Instance = new();
        private Lingered() { }
    }

    private const string HeadTimer = "head";
    private const string HelloTimer = "hello";

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Socket _client;
    private readonly ProxyServices _services;
    private readonly ProxySettings _settings;
    private readonly IPEndPoint _clientEndPoint;
    private readonly string _agent;
    private readonly ProxyMetrics _metrics;
    private long _requestStarted;
    private TunnelTraffic? _tunnel;
    private readonly ConnectionBuffer _clientBuffer;
    private readonly CancellationTokenSource _lifetime = new();
    private RunningTunnel? _running;
    private ConnectionBuffer? _upstreamBuffer;
    private Socket? _upstream;
    private IPEndPoint? _upstreamEndPoint;
    private bool _upstreamReused;
    private IReadOnlyList<IPEndPoint> _checkedEndpoints = [];
    private RequestHead? _request;
    private EvaluationContext? _context;
    private Verdict? _verdict;
    private CancellationTokenSource? _helloRead;
    private bool _draining;
    private bool _readPending;

    public ITimerScheduler Timers { get; set; } = null!;

    public ClientConnection(Socket client, ProxyServices services)
    {
        _client = client;
        _services = services;
        _settings = services.Settings;
        _clientEndPoint = (IPEndPoint)client.RemoteEndPoint!;
        _agent = services.Agents.NameOf(_clientEndPoint.Address);
        _metrics = services.Metrics;
        _clientBuffer = new ConnectionBuffer(Math.Max(_settings.MaxHeaderBytes + 1, _settings.ClientHelloMaxBytes + 1));
    }

    public static Props Props(Socket client, ProxyServices services) =>
        Akka.Actor.Props.Create(() => new ClientConnection(client, services));

    protected override void PreStart()
    {
        _metrics.ConnectionOpened();
        WaitForHead(keepAliveWait: false);
    }

    protected override void PostStop()
    {
        _metrics.ConnectionClosed();
        if (_tunnel is not null)
        {
            _metrics.TunnelClosed();
            _metrics.AddBytes(_tunnel.BytesUp, _tunnel.BytesDown);
        }
        // Only a tunnel still running is aborted: aborting a finished one faults a task nobody observes, which costs
        // the finalizer thread an exception message per connection.
        if (_running is { Completion.IsCompleted: false }) _running.KillSwitch.Abort(new OperationCanceledException("connection closed"));
        _lifetime.Cancel();
        _helloRead?.Cancel();
        Close(_client);
        if (_upstream is not null) Close(_upstream);
        _clientBuffer.Dispose();
        _upstreamBuffer?.Dispose();
        _lifetime.Dispose();
    }

    // ---- reading a request head ----

    // Each state is a plain method switched to with Become: a ReceiveActor rebuilds its handler tables on every
    // Become, which at one actor per client and ten state changes per tunnel was a tenth of all allocation.
    protected override void OnReceive(object message) => ReadingHead(message);

    private void ReadingHead(object message)
    {
        switch (message)
        {
            case ClientRead read: OnHeadBytes(read.Count); break;
            case ClientReadFailed or Drain: Context.Stop(Self); break;
            case TimedOut timeout: OnHeadTimeout(timeout); break;
            default: Unhandled(message); break;
        }
    }

    /// <summary>What every state but reading a head does on a drain: finish what is in flight, start nothing new.</summary>
    private void WhileBusy(object message)
    {
        if (message is Drain) _draining = true;
        else Unhandled(message);
    }

    private void WaitForHead(bool keepAliveWait)
    {
        Become(ReadingHead);
        // A keep-alive client may stay silent for the idle timeout; once it starts a head it has header-timeout to finish it.
        Timers.StartSingleTimer(HeadTimer, new TimedOut(keepAliveWait && _clientBuffer.Count == 0 ? "idle" : "head"),
            keepAliveWait && _clientBuffer.Count == 0 ? _settings.IdleTimeout : _settings.HeaderTimeout);
        if (_clientBuffer.Count > 0) ParseHead();
        else ReadClient();
    }

    private void OnHeadBytes(int count)
    {
        if (count == 0)
        {
            Context.Stop(Self);
            return;
        }
        if (_clientBuffer.Count == count) Timers.StartSingleTimer(HeadTimer, new TimedOut("head"), _settings.HeaderTimeout);
        ParseHead();
    }

    private void OnHeadTimeout(TimedOut timeout)
    {
        if (timeout.What == "idle" || _clientBuffer.Count == 0)
        {
            Context.Stop(Self);
            return;
        }
        _log.Info("Closing {ClientIp}: request head not complete within {HeaderTimeoutSeconds} s", ClientIp, _settings.HeaderTimeout.TotalSeconds);
        Respond(ProxyResponses.Error(408, "Outcall: request head not received in time"), close: true);
    }

    private void ParseHead()
    {
        var parsed = RequestHeadParser.Parse(_clientBuffer.Span, _settings.MaxHeaderBytes);
        switch (parsed.Status)
        {
            case HeadParseStatus.NeedMoreData:
                if (_clientBuffer.IsFull) RefuseMalformed(431, "request head too large");
                else ReadClient();
                return;
            case HeadParseStatus.Error:
                RefuseMalformed(parsed.StatusCode, parsed.Reason ?? "malformed request");
                return;
        }
        Timers.Cancel(HeadTimer);
        _clientBuffer.Consume(parsed.Consumed);
        OnRequest(parsed.Head!);
    }

    private void RefuseMalformed(int status, string reason)
    {
        Timers.Cancel(HeadTimer);
        _log.Warning("Refused malformed request from {ClientIp} with {Status}: {Problem}", ClientIp, status, reason);
        Respond(ProxyResponses.Error(status, $"Outcall: {reason}"), close: true);
    }

    // ---- judging ----

    private void OnRequest(RequestHead request)
    {
        _request = request;
        if (request.TargetForm is TargetForm.Origin or TargetForm.Asterisk)
        {
            ServeLocally(request);
            return;
        }
        if (request.Scheme != "http" && request.TargetForm == TargetForm.Absolute)
        {
            RefuseMalformed(400, "only http:// URIs can be proxied; use CONNECT for https");
            return;
        }
        _requestStarted = Stopwatch.GetTimestamp();
        _context = RequestContext.For(request, _agent);
        if (_services.Agents.RequireKnownAgent && _agent.Length == 0)
        {
            // FR-025 spirit: a client no identity maps to is refused before any rule sees it.
            Block("unknown agent", BlockReason.UnknownAgent, null, null);
            return;
        }
        AskVerdict(_context);
        Become(AwaitingVerdict);
    }

    private void ServeLocally(RequestHead request)
    {
        // FR-022: the exact path, no query, never forwarded.
        if (request.Method == "GET" && request.PathAndQuery == "/outcall-health")
        {
            Respond(ProxyResponses.Health(_metrics.ActiveConnections, _metrics.TotalRequests, _metrics.TotalBlocked),
                close: !request.KeepAlive || request.Framing != BodyFraming.None);
            return;
        }
        RefuseMalformed(400, "a proxy request needs an absolute http:// URI or CONNECT");
    }

    private void AskVerdict(EvaluationContext context)
    {
        _services.RuleEngine.Ask<RuleEvaluation>(new RuleEngine.Evaluate(context), _services.AskTimeout)
            .PipeTo(Self, success: e => new Judged(e, null),
                failure: e => new Judged(new RuleEvaluation(Verdict.EngineUnavailable, []), e));
    }

    private void AwaitingVerdict(object message)
    {
        if (message is Judged judged) OnVerdict(judged);
        else WhileBusy(message);
    }

    private void OnVerdict(Judged judged)
    {
        var verdict = judged.Evaluation.Verdict;
        _verdict = verdict;
        if (judged.Failure is not null)
            _log.Error("Rule engine unavailable for {ClientIp} -> {Host}:{Port}: {Failure}; blocking (EC-008)",
                ClientIp, _context!.NetworkHostname, _context.NetworkPort, judged.Failure.GetType().Name);
        var request = _request!;
        if (!verdict.IsAllowed)
        {
            var reason = judged.Failure is not null || ReferenceEquals(verdict, Verdict.EngineUnavailable) ? BlockReason.EngineUnavailable
                : verdict.RuleId is null ? BlockReason.DefaultPolicy : BlockReason.Rule;
            Block(verdict.Reason, reason, verdict.RuleId, verdict.File);
            return;
        }
        if (request.Upgrade is not null && request.Upgrade.Contains("h2c", StringComparison.OrdinalIgnoreCase))
        {
            RefuseMalformed(400, "HTTP/2 upgrade is not supported");
            return;
        }
        Become(CheckingDestination);
        var check = _services.Guard.CheckAsync(request.Host, request.Port, verdict.AllowPrivateIps, _lifetime.Token);
        // An IP literal or a cached answer is known at once: no round trip through the mailbox.
        if (check.IsCompletedSuccessfully)
        {
            OnDestinationChecked(new DestinationChecked(check.Result));
            return;
        }
        check.PipeTo(Self, success: c => new DestinationChecked(c),
            failure: e => new DestinationChecked(new DestinationCheck(DestinationStatus.ResolutionFailed, [], $"DNS resolution failed for {request.Host}")));
    }

    /// <summary>SC-007 / FR-013: one audit event per refused request, at warning; then the IF-004 response.</summary>
    private void Block(string reason, BlockReason kind, string? ruleId, string? ruleFile)
    {
        var request = _request!;
        _metrics.RequestBlocked(KindOf(request), kind);
        _log.Warning("{Decision} {ClientIp} agent={Agent} {Method} {Host}:{Port}{Path} rule={RuleId} file={RuleFile} reason={Reason} in {DurationMs} ms",
            ["BLOCK", ClientIp, _agent, request.Method, _context!.NetworkHostname, request.Port, LoggedPath(request), ruleId ?? "", ruleFile ?? "", reason,
             ElapsedMs()]);
        // After a refused CONNECT or Upgrade, or with a body we did not read, nothing more from this client is parsed.
        var close = request.TargetForm == TargetForm.Authority || request.Upgrade is not null
                    || request.Framing != BodyFraming.None || !request.KeepAlive || _draining;
        Respond(ProxyResponses.Blocked(reason, close), close);
    }

    /// <summary>The allow half of the audit trail, at debug: the verdict and the checked destination passed.</summary>
    private void Allowed()
    {
        var request = _request!;
        var verdict = _verdict!;
        _metrics.RequestAllowed(KindOf(request));
        if (!_log.IsDebugEnabled) return;
        _log.Debug("{Decision} {ClientIp} agent={Agent} {Method} {Host}:{Port}{Path} rule={RuleId} file={RuleFile} in {DurationMs} ms",
            ["ALLOW", ClientIp, _agent, request.Method, _context!.NetworkHostname, request.Port, LoggedPath(request), verdict.RuleId ?? "", verdict.File ?? "",
             ElapsedMs()]);
    }

    private static RequestKind KindOf(RequestHead request) =>
        request.TargetForm == TargetForm.Authority ? RequestKind.Connect : request.Upgrade is not null ? RequestKind.Upgrade : RequestKind.Http;

    private long ElapsedMs() => (long)Stopwatch.GetElapsedTime(_requestStarted).TotalMilliseconds;

    // ---- destination and connect ----

    private void CheckingDestination(object message)
    {
        if (message is DestinationChecked check) OnDestinationChecked(check);
        else WhileBusy(message);
    }

    private void OnDestinationChecked(DestinationChecked message)
    {
        var check = message.Check;
        switch (check.Status)
        {
            case DestinationStatus.Forbidden:
                Block(check.Reason ?? "destination not allowed", BlockReason.Destination, _verdict!.RuleId, _verdict.File);
                return;
            case DestinationStatus.ResolutionFailed:
                Allowed();
                _metrics.UpstreamError(UpstreamErrorKind.Dns);
                _log.Warning("DNS failure for {ClientIp} -> {Host}:{Port}", ClientIp, _request!.Host, _request.Port);
                Respond(ProxyResponses.Error(502, $"Outcall: {check.Reason ?? "DNS resolution failed"}"), close: true);
                return;
        }
        Allowed();
        var request = _request!;
        _checkedEndpoints = check.Endpoints;
        // Plain requests may ride an idle pooled connection to a checked address; tunnels always get their own.
        if (request.TargetForm == TargetForm.Absolute && request.Upgrade is null && _services.Pool.Rent(check.Endpoints) is { } pooled)
        {
            _upstream = pooled.Socket;
            _upstreamEndPoint = pooled.Endpoint;
            _upstreamReused = true;
            _upstreamBuffer ??= new ConnectionBuffer(UpstreamBufferBytes);
            StartExchange();
            return;
        }
        ConnectFresh();
    }

    private void ConnectFresh()
    {
        _upstreamReused = false;
        UpstreamConnector.ConnectAsync(_checkedEndpoints, _settings.ConnectTimeout, _lifetime.Token)
            .PipeTo(Self, success: c => new Connected(c),
                failure: e => new Connected(new UpstreamConnection(null, null, 502, $"connect failed ({e.GetType().Name})")));
        Become(Connecting);
    }

    private void Connecting(object message)
    {
        if (message is Connected connected) OnConnected(connected);
        else WhileBusy(message);
    }

    private void OnConnected(Connected message)
    {
        var connection = message.Connection;
        var request = _request!;
        if (connection.Socket is null)
        {
            _log.Warning("Upstream failure for {ClientIp} -> {Host}:{Port}: {Failure}", ClientIp, request.Host, request.Port, connection.Failure);
            var status = connection.FailureStatus;
            _metrics.UpstreamError(status == 504 ? UpstreamErrorKind.Timeout : UpstreamErrorKind.Refused);
            Respond(ProxyResponses.Error(status, $"Outcall: {connection.Failure}"), close: true);
            return;
        }
        _upstream = connection.Socket;
        _upstreamEndPoint = connection.RemoteEndPoint;
        _upstreamBuffer ??= new ConnectionBuffer(UpstreamBufferBytes);
        if (request.TargetForm == TargetForm.Authority)
        {
            Become(PeekingHello);
            var written = _client.SendAsync(ProxyResponses.ConnectionEstablished, SocketFlags.None, _lifetime.Token);
            // 39 bytes into a fresh connection's empty send buffer: nearly always written at once.
            if (written.IsCompletedSuccessfully) OnConnectionEstablished();
            else written.AsTask().PipeTo(Self, success: _ => new ResponseWritten(false), failure: e => new ClientReadFailed(e));
            return;
        }
        StartExchange();
    }

    // ---- plain HTTP and Upgrade ----

    private void StartExchange()
    {
        // Retry safety: only an idempotent request on a reused connection may be resent, and only if none of it was sent.
        var mayRetry = _upstreamReused && IsIdempotent(_request!.Method);
        HttpExchange.RunAsync(_client, _clientBuffer, _upstream!, _upstreamBuffer!, _request!, _settings, ClientIp, mayRetry, _lifetime.Token)
            .PipeTo(Self, success: o => new ExchangeDone(o),
                failure: e => new ExchangeDone(new ExchangeOutcome(ExchangeEnd.Aborted, false, false, 0, 0, 0, e.GetType().Name)));
        Become(Exchanging);
    }

    private void Exchanging(object message)
    {
        if (message is ExchangeDone done) OnExchangeDone(done);
        else WhileBusy(message);
    }

    private void OnExchangeDone(ExchangeDone message)
    {
        var outcome = message.Outcome;
        var request = _request!;
        _metrics.AddBytes(outcome.BytesUp, outcome.BytesDown);
        if (_log.IsDebugEnabled)
            _log.Debug("Exchange {ClientIp} {Method} {Host}:{Port}{Path} ended {End} status={Status} up={BytesUp} down={BytesDown}",
                [ClientIp, request.Method, request.Host, request.Port, LoggedPath(request), outcome.End, outcome.Status, outcome.BytesUp, outcome.BytesDown]);
        switch (outcome.End)
        {
            case ExchangeEnd.Upgraded:
                StartTunnel(_clientBuffer.TakeAll(), _upstreamBuffer!.TakeAll());
                return;
            case ExchangeEnd.NotSent:
                _metrics.Retry();
                _log.Debug("Reused connection to {Host}:{Port} failed before sending; retrying {Method} on a fresh one", request.Host, request.Port, request.Method);
                DropUpstream();
                ConnectFresh();
                return;
            case ExchangeEnd.Aborted:
                _metrics.UpstreamError(outcome.Status == 504 ? UpstreamErrorKind.Timeout : UpstreamErrorKind.Protocol);
                _log.Info("Exchange with {Host}:{Port} for {ClientIp} aborted: {Problem}", request.Host, request.Port, ClientIp, outcome.Problem);
                Context.Stop(Self);
                return;
        }
        if (outcome.UpstreamReusable) ReturnUpstream();
        else DropUpstream();
        if (!outcome.ClientKeepAlive || _draining)
        {
            Context.Stop(Self);
            return;
        }
        WaitForHead(keepAliveWait: true);
    }

    // ---- CONNECT: ClientHello peek, second verdict, tunnel ----

    private void PeekingHello(object message)
    {
        switch (message)
        {
            case ResponseWritten:
                OnConnectionEstablished();
                break;
            case ClientRead read:
                OnHelloBytes(read.Count);
                break;
            case ClientReadFailed failed:
                // Our own cancellation at the hello timeout: no byte was taken, judge on the authority.
                if (failed.Cause is OperationCanceledException && _helloRead?.IsCancellationRequested == true && !_lifetime.IsCancellationRequested)
                    OnHelloTimeout();
                else Context.Stop(Self);
                break;
            case TimedOut:
                _helloRead?.Cancel();
                break;
            default:
                WhileBusy(message);
                break;
        }
    }

    private void OnConnectionEstablished()
    {
        Timers.StartSingleTimer(HelloTimer, new TimedOut("hello"), _settings.ClientHelloTimeout);
        _helloRead = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token);
        // A client that did not wait for the 200 has its first bytes here already: judge them without waiting for more.
        if (_clientBuffer.Count > 0) OnHelloBytes(_clientBuffer.Count);
        else ReadClient(_helloRead.Token);
    }

    private void OnHelloBytes(int count)
    {
        if (count == 0)
        {
            // The client half-closed before saying anything: nothing to peek, the authority stands.
            Timers.Cancel(HelloTimer);
            DecideTunnel(null);
            return;
        }
        var hello = ClientHelloReader.TryRead(_clientBuffer.Span, _settings.ClientHelloMaxBytes);
        switch (hello.Status)
        {
            case ClientHelloStatus.NeedMoreData when !_clientBuffer.IsFull && _helloRead?.IsCancellationRequested != true:
                ReadClient(_helloRead!.Token);
                return;
            case ClientHelloStatus.NeedMoreData:
                Timers.Cancel(HelloTimer);
                RefuseTunnel("ClientHello incomplete within the peek bounds");
                return;
            case ClientHelloStatus.Malformed:
                Timers.Cancel(HelloTimer);
                RefuseTunnel($"malformed ClientHello ({hello.Error})");
                return;
            default:
                Timers.Cancel(HelloTimer);
                DecideTunnel(hello.Status == ClientHelloStatus.Parsed ? hello.ServerName : null);
                return;
        }
    }

    private void OnHelloTimeout()
    {
        // Bytes of a TLS record were seen but no whole hello: we cannot check its SNI, so fail closed.
        if (_clientBuffer.Count > 0 && ClientHelloReader.TryRead(_clientBuffer.Span, _settings.ClientHelloMaxBytes).Status != ClientHelloStatus.NotTls)
        {
            RefuseTunnel("ClientHello not complete within the client-hello timeout");
            return;
        }
        // A server-speaks-first protocol (or a silent client): the CONNECT authority stands (EC-001).
        DecideTunnel(null);
    }

    private void RefuseTunnel(string problem)
    {
        _log.Warning("Closing tunnel {ClientIp} -> {Host}:{Port}: {Problem}", ClientIp, _request!.Host, _request.Port, problem);
        Context.Stop(Self);
    }

    private void DecideTunnel(string? serverName)
    {
        if (serverName is null || string.Equals(serverName, _context!.NetworkHostname, StringComparison.OrdinalIgnoreCase))
        {
            StartTunnel(_clientBuffer.TakeAll(), []);
            return;
        }
        // FR-005 / SC-003: an SNI other than the CONNECT host is judged on its own; fronting is refused unless a rule allows the SNI.
        _context = RequestContext.WithServerName(_context, serverName);
        AskVerdict(_context);
        Become(AwaitingServerNameVerdict);
    }

    private void AwaitingServerNameVerdict(object message)
    {
        if (message is Judged judged) OnServerNameVerdict(judged);
        else WhileBusy(message);
    }

    private void OnServerNameVerdict(Judged judged)
    {
        var verdict = judged.Evaluation.Verdict;
        if (judged.Failure is not null)
            _log.Error("Rule engine unavailable for SNI {ServerName} from {ClientIp}: {Failure}; blocking (EC-008)",
                _context!.NetworkHostname, ClientIp, judged.Failure.GetType().Name);
        if (!verdict.IsAllowed)
        {
            _metrics.RequestBlocked(RequestKind.Connect, BlockReason.ServerName);
            _log.Warning("{Decision} {ClientIp} agent={Agent} CONNECT {Host}:{Port} by SNI {ServerName} rule={RuleId} file={RuleFile} reason={Reason}",
                ["BLOCK", ClientIp, _agent, _request!.Host, _request.Port, _context!.NetworkHostname, verdict.RuleId ?? "", verdict.File ?? "", verdict.Reason]);
            Context.Stop(Self);
            return;
        }
        if (_log.IsDebugEnabled)
            _log.Debug("ALLOW {ClientIp} CONNECT {Host}:{Port} by SNI {ServerName} rule={RuleId}", ClientIp, _request!.Host, _request.Port,
                _context!.NetworkHostname, verdict.RuleId ?? "");
        StartTunnel(_clientBuffer.TakeAll(), []);
    }

    private void StartTunnel(byte[] clientPrefix, byte[] upstreamPrefix)
    {
        var traffic = new TunnelTraffic();
        _tunnel = traffic;
        _metrics.TunnelOpened();
        _running = _services.Tunnels.Run(_client, clientPrefix, _upstream!, upstreamPrefix, traffic);
        _running.Completion.PipeTo(Self, success: () => new TunnelEnded(null), failure: e => new TunnelEnded(e));
        Become(Tunnelling);
    }

    /// <summary>A live tunnel is left to finish during the drain; the listener stops us when the grace runs out.</summary>
    private void Tunnelling(object message)
    {
        if (message is not TunnelEnded ended)
        {
            WhileBusy(message);
            return;
        }
        if (_log.IsDebugEnabled)
            _log.Debug("Tunnel {ClientIp} -> {Host}:{Port} ended after {BytesUp} bytes up, {BytesDown} down{Cause}",
                [ClientIp, _request!.Host, _request.Port, _tunnel!.BytesUp, _tunnel.BytesDown,
                ended.Cause is null ? "" : $" ({ended.Cause.GetBaseException().GetType().Name})"]);
        Context.Stop(Self);
    }

    // ---- plumbing ----

    private void ReadClient(CancellationToken? token = null)
    {
        if (_readPending) return;
        _readPending = true;
        _clientBuffer.FillAsync(_client, token ?? _lifetime.Token).AsTask()
            .PipeTo(Self, success: n => { _readPending = false; return new ClientRead(n); },
                failure: e => { _readPending = false; return new ClientReadFailed(e); });
    }

    private void Respond(byte[] response, bool close)
    {
        _client.SendAsync(response, SocketFlags.None, _lifetime.Token).AsTask()
            .PipeTo(Self, success: _ => new ResponseWritten(close), failure: e => new ClientReadFailed(e));
        Become(Responding);
    }

    private void Responding(object message)
    {
        switch (message)
        {
            case ResponseWritten written when written.Close || _draining:
                SocketClosing.LingerAsync(_client).PipeTo(Self, success: () => Lingered.Instance, failure: _ => Lingered.Instance);
                break;
            case ResponseWritten:
                WaitForHead(keepAliveWait: true);
                break;
            case Lingered or ClientReadFailed:
                Context.Stop(Self);
                break;
            default:
                WhileBusy(message);
                break;
        }
    }

    private void DropUpstream()
    {
        if (_upstream is null) return;
        Close(_upstream);
        _upstream = null;
        _upstreamEndPoint = null;
    }

    /// <summary>A cleanly finished exchange hands its upstream connection to the shared pool.</summary>
    private void ReturnUpstream()
    {
        _services.Pool.Return(_upstream!, _upstreamEndPoint!);
        _upstream = null;
        _upstreamEndPoint = null;
    }

    /// <summary>RFC 9110 §9.2.2.</summary>
    private static bool IsIdempotent(string method) => method is "GET" or "HEAD" or "OPTIONS" or "TRACE" or "PUT" or "DELETE";

    private const int UpstreamBufferBytes = 64 * 1024;

    /// <summary>A graceful close: what the kernel still holds for the peer is delivered, not reset away.</summary>
    private static void Close(Socket socket) => socket.Dispose();


    private string ClientIp => _clientEndPoint.Address.ToString();

    /// <summary>SC-007: the path only; a query string may carry secrets.</summary>
    private static string LoggedPath(RequestHead request) => request.TargetForm == TargetForm.Authority ? "" : request.Path;
}
