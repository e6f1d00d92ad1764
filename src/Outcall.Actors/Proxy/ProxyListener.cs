using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;

namespace Outcall.Proxy;

/// <summary>
/// Accepts clients on the proxy port and gives each its own <see cref="ClientConnection"/>.
/// Over max-connections a client gets 503 and is closed (FR-012 / EC-012). At shutdown it stops
/// accepting by closing its own socket (new clients are refused, live ones untouched), lets
/// connections finish for the grace period, then stops the rest (FR-015 / EC-013).
/// A failing connection actor is stopped alone; the listener carries on.
/// </summary>
public sealed class ProxyListener : ReceiveActor, IWithTimers
{
    /// <summary>Stop accepting, drain for <paramref name="Grace"/>, then cut; the reply is a <see cref="Drained"/>.</summary>
    public sealed record DrainConnections(TimeSpan Grace);

    public sealed record Drained(int Finished, int Cut);

    private sealed record Accepted(Socket Socket);
    private sealed record AcceptFailed(Exception Cause);
    private sealed record ResumeAccepting
    {
        public static readonly ResumeAccepting Instance = new();
        private ResumeAccepting() { }
    }

    private static readonly TimeSpan AcceptBackoff = TimeSpan.FromMilliseconds(200);

    private sealed record GraceOver
    {
        public static readonly GraceOver Instance = new();
        private GraceOver() { }
    }

    private readonly ILoggingAdapter _log = Context.GetLogger();

    public ITimerScheduler Timers { get; set; } = null!;
    private readonly Socket _listenSocket;
    private readonly ProxyServices _services;
    private readonly IPEndPoint _bound;
    private int _connectionCount;
    private readonly Dictionary<IActorRef, Socket> _clientSockets = new();
    private int _refusing;
    private const int MaxRefusalsInFlight = 64;
    private readonly int _maxConnections;
    private IActorRef? _drainRequester;
    private int _atDrainStart;
    private ICancelable? _graceTimer;
    private bool _drainReplied;
    private int _cut;

    private readonly Func<Socket, ProxyServices, Props> _connectionProps;

    /// <param name="connectionProps">What serves one client; <see cref="ClientConnection"/> unless a spec supplies its own.</param>
    public ProxyListener(Socket boundSocket, ProxyServices services, Func<Socket, ProxyServices, Props>? connectionProps = null)
    {
        _connectionProps = connectionProps ?? ClientConnection.Props;
        _listenSocket = boundSocket;
        _services = services;
        _bound = (IPEndPoint)boundSocket.LocalEndPoint!;
        _maxConnections = OpenFileLimit.ConnectionsAllowed(services.Settings.MaxConnections, services.Tunnels.SpliceDescriptors);

        Receive<Accepted>(OnAccepted);
        Receive<AcceptFailed>(failed =>
        {
            if (_drainRequester is not null) return;
            if (failed.Cause is SocketException { SocketErrorCode: SocketError.TooManyOpenSockets })
            {
                // Out of file descriptors: retrying at once would spin. Wait for connections to close.
                _log.Error("Out of file descriptors accepting on {ListenAddress}; raise the open-file limit (ulimit -n) above twice max-connections",
                    _bound.ToString());
                Timers.StartSingleTimer("accept-backoff", ResumeAccepting.Instance, AcceptBackoff);
                return;
            }
            _log.Warning("Accept failed on {ListenAddress}: {Failure}", _bound.ToString(), failed.Cause.Message);
            AcceptNext();
        });
        Receive<ResumeAccepting>(_ =>
        {
            if (_drainRequester is null) AcceptNext();
        });
        Receive<Terminated>(terminated =>
        {
            // Whatever ended the connection actor (even a failure before PostStop could run), its client is closed.
            if (_clientSockets.Remove(terminated.ActorRef, out var client)) client.Dispose();
            _connectionCount--;
            if (_drainRequester is not null && _connectionCount == 0) FinishDrain();
        });
        Receive<DrainConnections>(OnDrain);
        Receive<GraceOver>(_ =>
        {
            if (_drainRequester is null || _drainReplied) return;
            _cut = _connectionCount;
            foreach (var child in Context.GetChildren()) Context.Stop(child);
        });
    }

    /// <summary>Binds before any actor exists, so an unusable address stops start-up with a clear error (FR-002).</summary>
    public static Socket Bind(IPEndPoint endpoint, int backlog)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endpoint.AddressFamily == AddressFamily.InterNetworkV6 && endpoint.Address.Equals(IPAddress.IPv6Any)) socket.DualMode = true;
            socket.Bind(endpoint);
            socket.Listen(backlog);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public static Props Props(Socket boundSocket, ProxyServices services, Func<Socket, ProxyServices, Props>? connectionProps = null) =>
        Akka.Actor.Props.Create(() => new ProxyListener(boundSocket, services, connectionProps));

    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(_ => Directive.Stop);

    protected override void PreStart()
    {
        _log.Info("Outcall proxy listening on {ListenAddress}", _bound.ToString());
        if (_maxConnections < _services.Settings.MaxConnections)
            _log.Warning("Open-file limit {OpenFileLimit} allows {EffectiveMaxConnections} of max-connections {MaxConnections} (two sockets per client); raise ulimit -n",
                OpenFileLimit.Soft(), _maxConnections, _services.Settings.MaxConnections);
        AcceptNext();
    }

    protected override void PostStop() => _listenSocket.Dispose();

    private void AcceptNext()
    {
        _listenSocket.AcceptAsync().PipeTo(Self, success: s => new Accepted(s), failure: e => new AcceptFailed(e));
    }

    private void OnAccepted(Accepted accepted)
    {
        var socket = accepted.Socket;
        if (_drainRequester is not null)
        {
            socket.Dispose();
            return;
        }
        AcceptNext();
        socket.NoDelay = true;
        if (_connectionCount >= _maxConnections)
        {
            _log.Warning("Connection limit {MaxConnections} reached; refusing {ClientIp} with 503", _maxConnections,
                (socket.RemoteEndPoint as IPEndPoint)?.Address.ToString() ?? "?");
            // Each refusal holds its socket through the lingering close; a flood of them must not exhaust descriptors.
            if (Interlocked.Increment(ref _refusing) > MaxRefusalsInFlight)
            {
                Interlocked.Decrement(ref _refusing);
                socket.Dispose();
                return;
            }
            _ = RefuseAsync(socket).ContinueWith(_ => Interlocked.Decrement(ref _refusing), TaskScheduler.Default);
            return;
        }
        try
        {
            var connection = Context.ActorOf(_connectionProps(socket, _services));
            Context.Watch(connection);
            _clientSockets[connection] = socket;
            _connectionCount++;
        }
        catch (Exception e)
        {
            _log.Error(e, "Could not start a connection actor");
            socket.Dispose();
        }
    }

    private static async Task RefuseAsync(Socket socket)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await socket.SendAsync(ProxyResponses.Error(503, "Outcall: too many connections", close: true, "Retry-After: 1\r\n"),
                SocketFlags.None, timeout.Token).ConfigureAwait(false);
            await SocketClosing.LingerAsync(socket).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away first; nothing to tell it.
        }
        finally
        {
            socket.Dispose();
        }
    }

    private void OnDrain(DrainConnections drain)
    {
        if (_drainRequester is not null) return;
        _drainRequester = Sender;
        _atDrainStart = _connectionCount;
        _listenSocket.Close();
        _log.Info("Stopped accepting on {ListenAddress}; draining {ConnectionCount} connections for up to {GraceSeconds} s",
            _bound.ToString(), _connectionCount, drain.Grace.TotalSeconds);
        foreach (var child in Context.GetChildren()) child.Tell(ClientConnection.Drain.Instance);
        if (_connectionCount == 0) FinishDrain();
        else _graceTimer = Context.System.Scheduler.ScheduleTellOnceCancelable(drain.Grace, Self, GraceOver.Instance, Self);
    }

    private void FinishDrain()
    {
        if (_drainReplied) return;
        _drainReplied = true;
        _graceTimer?.Cancel();
        _drainRequester!.Tell(new Drained(_atDrainStart - _cut, _cut));
    }
}
