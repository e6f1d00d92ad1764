using System.Net;
using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using Akka.Configuration;
using Akka.Streams;
using Akka.TestKit.Xunit2;
using Outcall.Egress;
using Outcall.Proxy;
using Outcall.Rules;
using Outcall.Telemetry;
using Outcall.Tunnels;
using Outcall.Upstream;

namespace Outcall.Tests.Proxy;

/// <summary>The listener survives what happens to one client (issue 5: per-connection failures stay local).</summary>
public sealed class ProxyListenerSpecs : TestKit
{
    /// <summary>Stands in for a connection actor with a bug: it fails as soon as it starts.</summary>
    private sealed class FailingConnection(Socket socket) : ReceiveActor
    {
        protected override void PreStart() => throw new InvalidOperationException("a bug in one connection");
        protected override void PostStop() => socket.Dispose();
    }

    private IActorRef StartListener(Func<Socket, ProxyServices, Props> connectionProps, out IPEndPoint endpoint)
    {
        var settings = ProxySettings.Create(ConfigurationFactory.ParseString("outcall.proxy.listen = \"127.0.0.1:0\""));
        var socket = ProxyListener.Bind(settings.Listen, 16);
        endpoint = (IPEndPoint)socket.LocalEndPoint!;
        var rules = new ActiveRuleSet(RuleSet.Empty("none"));
        var engine = Sys.ActorOf(RuleEngine.PropsSupervised(rules,
            new RulesSettings("none", TimeSpan.FromSeconds(2), false, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1))));
        var metrics = new ProxyMetrics();
        var services = new ProxyServices(settings, engine, TimeSpan.FromSeconds(2), new DestinationGuard(new StaticResolver(), [endpoint]),
            new AgentDirectory([], requireKnownAgent: false), metrics,
            new UpstreamPool(new UpstreamPoolSettings(false, 1, 1, TimeSpan.FromSeconds(1)), metrics), new TunnelGraph(settings.IdleTimeout, Sys.Materializer(), settings.SplicePipes));
        return Sys.ActorOf(ProxyListener.Props(socket, services, connectionProps));
    }

    [Fact]
    public async Task A_connection_actor_that_fails_closes_its_client_alone_and_the_listener_serves_the_next()
    {
        var first = true;
        var listener = StartListener((socket, services) =>
        {
            if (!first) return ClientConnection.Props(socket, services);
            first = false;
            return Props.Create(() => new FailingConnection(socket));
        }, out var endpoint);

        using (var unlucky = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await unlucky.ConnectAsync(endpoint);
            Assert.Equal("", await RawIo.ReadUntilCloseAsync(unlucky, TimeSpan.FromSeconds(10)));
        }

        using var next = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await next.ConnectAsync(endpoint);
        await next.SendAsync(Encoding.ASCII.GetBytes("GET /outcall-health HTTP/1.1\r\nHost: proxy\r\nConnection: close\r\n\r\n"), SocketFlags.None);
        Assert.StartsWith("HTTP/1.1 200", await RawIo.ReadUntilCloseAsync(next, TimeSpan.FromSeconds(10)));
        Assert.False(listener.IsNobody());
    }
}
