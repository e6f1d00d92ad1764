using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Configuration;
using Outcall.Host;
using Outcall.Host.Admin;
using Outcall.Telemetry;
using Outcall.Tests.Proxy;

namespace Outcall.Tests.Admin;

/// <summary>The admin listener's life: settings, bind failures, an engine that does not answer, shutdown.</summary>
public sealed class AdminServerSpecs
{
    [Fact]
    public void The_default_admin_address_is_loopback_port_9091()
    {
        var settings = AdminSettings.Create(Config.Empty);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 9091), settings.Listen);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.AskTimeout);
    }

    [Fact]
    public void An_empty_listen_address_disables_the_admin_API()
    {
        Assert.Null(AdminSettings.Create(ConfigurationFactory.ParseString("outcall.admin.listen = \"\"")).Listen);
    }

    [Theory]
    [InlineData("outcall.admin.listen = \"localhost:9091\"")]
    [InlineData("outcall.admin.listen = \"127.0.0.1\"")]
    [InlineData("outcall.admin.ask-timeout = 0s")]
    public void A_bad_admin_setting_is_a_configuration_error(string hocon)
    {
        Assert.Throws<ConfigurationException>(() => AdminSettings.Create(ConfigurationFactory.ParseString(hocon)));
    }

    [Fact]
    public async Task An_engine_that_does_not_answer_in_time_gives_a_503_envelope()
    {
        await using var admin = await AdminApp.StartAsync(Props.Create(() => new SilentEngine()), askTimeout: TimeSpan.FromMilliseconds(200));
        var (status, body) = await admin.Http.GetJsonAsync("/api/v1/rules");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        AdminHttp.Envelope(body, success: false);
        Assert.Contains("did not answer", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task An_engine_that_replies_with_a_failure_gives_a_503_envelope()
    {
        await using var admin = await AdminApp.StartAsync(Props.Create(() => new FailingEngine()));
        var (status, body) = await admin.Http.PostJsonAsync("/api/v1/rules/reload", "");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("rule engine unavailable", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Ready_is_503_until_the_node_says_it_is_listening()
    {
        var state = new NodeState();
        await using var admin = await AdminApp.StartAsync(Props.Create(() => new SilentEngine()), state);
        using (var notYet = await admin.Http.SendAsync(HttpMethod.Get, "/ready")) Assert.Equal(HttpStatusCode.ServiceUnavailable, notYet.StatusCode);
        state.Listening = true;
        using var ready = await admin.Http.SendAsync(HttpMethod.Get, "/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task A_taken_admin_address_stops_the_node_from_starting_with_an_error_naming_it()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var address = (IPEndPoint)taken.LocalEndpoint;
        var error = await Assert.ThrowsAsync<StartupException>(() => ProxyHarness.StartAsync(extraHocon: $"outcall.admin.listen = \"{address}\""));
        Assert.Contains(address.ToString(), error.Message);
    }

    [Fact]
    public async Task A_node_with_the_admin_API_disabled_has_no_admin_endpoint()
    {
        await using var proxy = await ProxyHarness.StartAsync();
        Assert.Null(proxy.Node.AdminEndpoint);
        Assert.True(proxy.Node.State.Ready);
    }

    [Fact]
    public async Task Stopping_a_node_marks_it_draining_and_closes_the_admin_port_FR015()
    {
        var proxy = await ProxyHarness.StartAsync(extraHocon: ProxyHarness.WithAdmin);
        var admin = proxy.Node.AdminEndpoint!;
        await proxy.DisposeAsync();
        Assert.True(proxy.Node.State.Draining);
        Assert.False(proxy.Node.State.Ready);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var refused = await Assert.ThrowsAsync<SocketException>(async () => await socket.ConnectAsync(admin));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    private sealed class SilentEngine : ReceiveActor
    {
        public SilentEngine() => ReceiveAny(_ => { });
    }

    private sealed class FailingEngine : ReceiveActor
    {
        public FailingEngine() => ReceiveAny(_ => Sender.Tell(new Status.Failure(new InvalidOperationException("restarting"))));
    }
}
