using System.Net;
using System.Net.Sockets;
using System.Text;
using Akka.Configuration;
using Outcall.Egress;
using Outcall.Host;
using Outcall.Tests.SuiteLogs;

namespace Outcall.Tests.Proxy;

/// <summary>
/// A real Outcall node started in-process on 127.0.0.1:0 with its own rules directory, an injected
/// resolver (no real DNS), and its log captured for assertions.
/// </summary>
public sealed class ProxyHarness : IAsyncDisposable
{
    public OutcallNode Node { get; }
    public DirectoryInfo RulesDir { get; }
    public TestLog Log { get; }
    public StaticResolver Resolver { get; }
    public IPEndPoint Endpoint => Node.ProxyEndpoint;
    public Uri ProxyUri => new($"http://{Endpoint}");
    /// <summary>The admin API's base address; start with <see cref="WithAdmin"/> in the extra HOCON to have one.</summary>
    public Uri AdminUri => new($"http://{Node.AdminEndpoint ?? throw new InvalidOperationException("the admin API is disabled")}/");

    /// <summary>Extra HOCON enabling the admin API on a free loopback port (it is off by default in tests).</summary>
    public const string WithAdmin = "outcall.admin.listen = \"127.0.0.1:0\"";

    private ProxyHarness(OutcallNode node, DirectoryInfo rulesDir, TestLog log, StaticResolver resolver)
    {
        Node = node;
        RulesDir = rulesDir;
        Log = log;
        Resolver = resolver;
    }

    /// <summary>Rules that allow everything to loopback (tests' upstreams live there).</summary>
    public const string AllowAll = """
        version: "1"
        rules:
          - id: allow-all
            condition: "true"
            action: allow
            egress:
              allow_private_ips: true
        """;

    public static async Task<ProxyHarness> StartAsync(string rulesYaml = AllowAll, string extraHocon = "", StaticResolver? resolver = null)
    {
        var dir = Directory.CreateTempSubdirectory("outcall-proxy-");
        await File.WriteAllTextAsync(Path.Combine(dir.FullName, "rules.yaml"), rulesYaml);
        var config = ConfigurationFactory.ParseString($$"""
            outcall.proxy.listen = "127.0.0.1:0"
            outcall.rules.dir = "{{dir.FullName.Replace("\\", "\\\\")}}"
            outcall.rules.watch = off
            outcall.rules.watch-debounce = 100ms
            outcall.log.format = json
            outcall.log.level = debug
            outcall.admin.listen = ""
            {{extraHocon}}
            """);
        var log = new TestLog();
        resolver ??= new StaticResolver();
        var node = await OutcallNode.StartAsync(config, resolver, log);
        return new ProxyHarness(node, dir, log, resolver);
    }

    public HttpClient CreateClient(TimeSpan? timeout = null) =>
        new(new SocketsHttpHandler { Proxy = new WebProxy(ProxyUri), UseProxy = true, AllowAutoRedirect = false })
        {
            Timeout = timeout ?? TimeSpan.FromSeconds(30),
        };

    public async Task<Socket> ConnectRawAsync()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(Endpoint);
        return socket;
    }

    /// <summary>Sends raw bytes and reads until the proxy closes (bounded), returning what came back.</summary>
    public async Task<string> SendRawAsync(string request, TimeSpan? timeout = null)
    {
        using var socket = await ConnectRawAsync();
        await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None);
        return await RawIo.ReadUntilCloseAsync(socket, timeout ?? TimeSpan.FromSeconds(10));
    }

    public async ValueTask DisposeAsync()
    {
        await Node.DisposeAsync();
        try
        {
            RulesDir.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A watcher may still hold the directory for a moment; the temp folder is cleaned by the OS.
        }
    }
}

/// <summary>Names the tests resolve; anything else fails as DNS would.</summary>
public sealed class StaticResolver : IHostResolver
{
    private readonly Dictionary<string, IPAddress[]> _names = new(StringComparer.OrdinalIgnoreCase);

    public StaticResolver Map(string name, params IPAddress[] addresses)
    {
        lock (_names) _names[name] = addresses;
        return this;
    }

    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        if (HostLiteral.TryParse(host, out var literal)) return Task.FromResult(new[] { literal });
        lock (_names)
        {
            return _names.TryGetValue(host, out var addresses)
                ? Task.FromResult(addresses)
                : Task.FromException<IPAddress[]>(new HostResolutionException(host, "no such host"));
        }
    }
}

/// <summary>A log sink tests can read and wait on; each finished line also goes to the suite-wide <see cref="SuiteLog"/>.</summary>
public sealed class TestLog : TextWriter
{
    private readonly StringBuilder _text = new();
    private readonly StringBuilder _line = new();
    private readonly Lock _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _text.Append(value);
            if (value != '\n')
            {
                _line.Append(value);
                return;
            }
            SuiteLog.Write("node", _line.ToString());
            _line.Clear();
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

    public override void Write(string? value)
    {
        if (value is null) return;
        foreach (var c in value) Write(c);
    }

    public string[] Lines()
    {
        lock (_gate) return _text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>Waits (bounded) for a line matching the predicate; returns it or fails the test.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            Task changed;
            lock (_gate) changed = _changed.Task;
            var found = Lines().FirstOrDefault(match);
            if (found is not null) return found;
            try
            {
                await changed.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new Xunit.Sdk.XunitException($"no matching log line within the timeout; log was:\n{string.Join('\n', Lines())}");
            }
        }
    }
}

public static class RawIo
{
    public static async Task<string> ReadUntilCloseAsync(Socket socket, TimeSpan timeout)
    {
        var bytes = await ReadBytesUntilCloseAsync(socket, timeout);
        return Encoding.Latin1.GetString(bytes);
    }

    public static async Task<byte[]> ReadBytesUntilCloseAsync(Socket socket, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var received = new MemoryStream();
        var buffer = new byte[16384];
        try
        {
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
                if (read == 0) break;
                received.Write(buffer, 0, read);
            }
        }
        catch (SocketException)
        {
            // A reset after the response still leaves what was received to assert on.
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"peer did not close within {timeout}; received so far: {Encoding.Latin1.GetString(received.ToArray())}");
        }
        return received.ToArray();
    }

    /// <summary>Reads one HTTP response head (bounded) and returns it with whatever body bytes followed.</summary>
    public static async Task<(string Head, byte[] Body)> ReadHeadAsync(Socket socket, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var received = new List<byte>();
        var buffer = new byte[4096];
        while (true)
        {
            var text = Encoding.Latin1.GetString(received.ToArray());
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0) return (text[..(end + 4)], received.Skip(end + 4).ToArray());
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
            if (read == 0) throw new Xunit.Sdk.XunitException($"closed before a whole head: {text}");
            received.AddRange(buffer.AsSpan(0, read).ToArray());
        }
    }
}
