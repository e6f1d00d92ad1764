// Takes docs/admin-page.png (and docs/admin-page-explained.png): a real Outcall node in this process, three agents
// sending realistic traffic through it, and the live traffic page in headless Chromium. Not a test; run it by hand
// after changing the page:
//
//   dotnet run docs/admin-page-screenshot.cs            (from the repository root)
//
// Needs Debian's chromium and chromium-driver (as the browser specs do) and may bind 127.0.0.1:80 and :443, where
// the demo's "internet" answers (run it as root, e.g. in the dev container). Nothing leaves the machine: every
// name resolves to 127.0.0.1.
#:project ../src/Outcall.Host/Outcall.Host.csproj
#:package Selenium.WebDriver
#:property TreatWarningsAsErrors=false

using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;
using Outcall.Egress;
using Outcall.Host;

var output = Path.GetFullPath(args.Length > 0 ? args[0] : "docs");
const string Rules = """
    version: "1"
    rules:
      - id: allow-package-registries
        description: "Package installs for every agent"
        condition: network.hostname in ["pypi.org", "files.pythonhosted.org", "registry.npmjs.org", "proxy.golang.org", "deb.debian.org"]
        action: allow
        priority: 10
        egress: { allow_private_ips: true }
      - id: allow-github
        condition: network.hostname == "github.com" || network.hostname.endsWith(".github.com") || network.hostname.endsWith(".githubusercontent.com")
        action: allow
        priority: 20
        egress: { allow_private_ips: true }
      - id: allow-model-api
        description: "The researcher talks to its model provider"
        condition: agent.name == "researcher" && network.hostname in ["api.anthropic.com", "api.openai.com"]
        action: allow
        priority: 30
        egress: { allow_private_ips: true }
      - id: allow-docs
        condition: agent.name == "researcher" && (network.hostname.endsWith("wikipedia.org") || network.hostname == "arxiv.org")
        action: allow
        priority: 40
        egress: { allow_private_ips: true }
      - id: block-paste-and-tunnels
        description: "Known exfiltration channels"
        condition: network.hostname in ["pastebin.com", "transfer.sh", "webhook.site"] || network.hostname.endsWith(".ngrok-free.app")
        action: block
        priority: 50
    """;

// The demo's "internet": one Kestrel answering every name on loopback, plain on 80, TLS on 443.
using var certificate = SelfSigned();
var web = WebApplication.CreateSlimBuilder();
web.Logging.ClearProviders();
web.WebHost.UseKestrel(k =>
{
    k.Listen(IPAddress.Loopback, 80);
    k.Listen(IPAddress.Loopback, 443, l => l.UseHttps(certificate));
});
var internet = web.Build();
internet.Run(context => context.Response.WriteAsync(new string('x', 200 + Random.Shared.Next(40_000))));
await internet.StartAsync();

var rulesDir = Directory.CreateTempSubdirectory("outcall-demo-");
File.WriteAllText(Path.Combine(rulesDir.FullName, "agents.yaml"), Rules);
await using var node = await OutcallNode.StartAsync(ConfigurationFactory.ParseString($$"""
    outcall.proxy.listen = "127.0.0.1:0"
    outcall.admin.listen = "127.0.0.1:0"
    outcall.rules.dir = "{{rulesDir.FullName}}"
    outcall.rules.watch = off
    outcall.identity.agents { builder = ["127.0.0.2/32"], researcher = ["127.0.0.3/32"], "ci-runner" = ["127.0.0.4/32"] }
    """), new LoopbackInternet(), TextWriter.Null);

var profile = Directory.CreateTempSubdirectory("outcall-chromium-");
var options = new ChromeOptions { BinaryLocation = "/usr/bin/chromium" };
options.AddArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--window-size=1480,1040", "--force-device-scale-factor=1",
    $"--user-data-dir={profile.FullName}");
using var browser = new ChromeDriver(ChromeDriverService.CreateDefaultService("/usr/bin", "chromedriver"), options);
var wait = new WebDriverWait(browser, TimeSpan.FromSeconds(30));
browser.Navigate().GoToUrl($"http://{node.AdminEndpoint}/");
wait.Until(d => d.FindElement(By.Id("stream-state")).Text == "live");

var traffic = new (string Agent, string Url)[]
{
    ("builder", "https://pypi.org/simple/requests/"), ("builder", "https://files.pythonhosted.org/packages/requests-2.32.3.whl"),
    ("builder", "https://api.github.com/repos/outcall-dev/outcall/pulls"), ("builder", "https://pastebin.com/api/api_post.php"),
    ("researcher", "https://api.anthropic.com/v1/messages"), ("researcher", "https://en.wikipedia.org/wiki/Egress_filtering"),
    ("ci-runner", "http://deb.debian.org/debian/dists/bookworm/InRelease"), ("ci-runner", "https://proxy.golang.org/golang.org/x/net/@v/list"),
    ("researcher", "https://arxiv.org/abs/2310.06770"), ("builder", "https://registry.npmjs.org/left-pad"),
    ("researcher", "https://transfer.sh/upload"), ("ci-runner", "https://github.com/outcall-dev/outcall.git/info/refs"),
    ("builder", "http://169.254.169.254/latest/meta-data/iam/security-credentials/"), ("researcher", "https://api.anthropic.com/v1/messages"),
    ("ci-runner", "https://objects.githubusercontent.com/github-production-release-asset"), ("builder", "https://d4e1-203-0-113-7.ngrok-free.app/x"),
    ("researcher", "https://api.openai.com/v1/chat/completions"), ("builder", "https://webhook.site/3f1c9a"), ("builder", "https://pypi.org/simple/numpy/"),
    ("researcher", "https://pastebin.com/raw/8sd7f"), ("ci-runner", "https://registry.npmjs.org/typescript"), ("builder", "https://sentry.io/api/0/envelope/"),
};
var clients = new[] { "builder", "researcher", "ci-runner" }.ToDictionary(a => a, Client);
foreach (var (agent, url) in traffic)
{
    try
    {
        using var response = await clients[agent].GetAsync(url);
        await response.Content.ReadAsByteArrayAsync();
    }
    catch (HttpRequestException)
    {
        // A refused CONNECT surfaces as an exception in HttpClient; the page shows the verdict.
    }
}
foreach (var client in clients.Values) client.Dispose();
// Two agents keep a connection open, so the page counts tunnels.
var open = await Task.WhenAll(OpenTunnel("127.0.0.2", "api.github.com:443"), OpenTunnel("127.0.0.3", "api.anthropic.com:443"));
wait.Until(d => d.FindElement(By.Id("stat-tunnels")).Text == "2"
    && d.FindElements(By.CssSelector("#event-rows td.pending")).Count(td => td.Text == "…") == open.Length);
browser.GetScreenshot().SaveAsFile(Path.Combine(output, "admin-page.png"));

browser.FindElements(By.CssSelector("#event-rows tr[data-decision='BLOCK']"))[1].Click();
wait.Until(d => d.FindElement(By.Id("detail-summary")).Text.Length > 0);
browser.GetScreenshot().SaveAsFile(Path.Combine(output, "admin-page-explained.png"));
Console.WriteLine($"wrote {Path.Combine(output, "admin-page.png")} and admin-page-explained.png");

foreach (var socket in open) socket.Dispose();
browser.Quit();
await internet.StopAsync();
rulesDir.Delete(recursive: true);
profile.Delete(recursive: true);
return;

// An agent is its source address (outcall.identity.agents): each client binds its own loopback address.
HttpClient Client(string agent)
{
    var source = IPAddress.Parse(agent switch { "builder" => "127.0.0.2", "researcher" => "127.0.0.3", _ => "127.0.0.4" });
    var handler = new SocketsHttpHandler
    {
        Proxy = new WebProxy($"http://{node.ProxyEndpoint}"),
        UseProxy = true,
        SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        ConnectCallback = async (context, cancel) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(source, 0));
            await socket.ConnectAsync(node.ProxyEndpoint, cancel);
            return new NetworkStream(socket, ownsSocket: true);
        },
    };
    return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
}

async Task<Socket> OpenTunnel(string source, string authority)
{
    var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    socket.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
    await socket.ConnectAsync(node.ProxyEndpoint);
    await socket.SendAsync(System.Text.Encoding.ASCII.GetBytes($"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n"));
    await socket.ReceiveAsync(new byte[1024]);
    return socket;
}

static X509Certificate2 SelfSigned()
{
    using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    var request = new CertificateRequest("CN=demo internet", key, HashAlgorithmName.SHA256);
    var names = new SubjectAlternativeNameBuilder();
    names.AddDnsName("*");
    request.CertificateExtensions.Add(names.Build());
    using var made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    return X509CertificateLoader.LoadPkcs12(made.Export(X509ContentType.Pkcs12), null);
}

/// <summary>Every name is this machine: the demo needs no DNS and reaches nothing outside.</summary>
sealed class LoopbackInternet : IHostResolver
{
    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
        Task.FromResult(IPAddress.TryParse(host, out var literal) ? [literal] : new[] { IPAddress.Loopback });
}
