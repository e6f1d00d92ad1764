using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Outcall.LoadTools;

/// <summary>
/// The endurance run behind bench/soak.sh (issue 16): every kind of client at once against a running proxy for
/// the given time, the proxy process sampled every 10 s, then a Markdown report and a CSV for the plot.
/// Exits 1 when a well-behaved client saw an error, a hostile one was left hanging, or the log has an unhandled exception.
/// </summary>
internal static class Soak
{
    private static readonly TimeSpan SampleEvery = TimeSpan.FromSeconds(10);

    public static async Task<int> RunAsync(Options options)
    {
        var proxy = options.Proxy() ?? throw new ArgumentException("--proxy must name the proxy");
        var pid = options.Int("pid", 0);
        var metrics = new Uri(options.Text("metrics"));
        var rate = options.Int("rate", 5000);
        var seconds = options.Int("seconds", options.Int("minutes", 30) * 60);
        var output = options.Text("out");
        var run = new SoakRun(DateTime.UtcNow, seconds, rate, options.Text("commit"), options.Text("command"), options.Text("note"));

        await using var origin = await SoakOrigin.StartAsync().ConfigureAwait(false);
        await using var echo = new EchoServer();
        await using var tlsEcho = new TlsEchoServer();
        using var scenarios = new SoakScenarios(proxy, origin, echo, tlsEcho);
        var sampler = new ProcessSampler(pid, metrics);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var clock = Stopwatch.StartNew();

        var samples = new List<ProcessSample>();
        await using var csv = new StreamWriter(output + ".csv");
        await csv.WriteLineAsync(ProcessSample.CsvHeader).ConfigureAwait(false);
        async Task SampleAsync()
        {
            var sample = await sampler.SampleAsync(clock.Elapsed.TotalSeconds).ConfigureAwait(false);
            samples.Add(sample);
            await csv.WriteLineAsync(sample.Csv()).ConfigureAwait(false);
            await csv.FlushAsync().ConfigureAwait(false);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[soak {sample.Seconds,5:F0}s] rss {sample.RssMb:F0} MB, fds {sample.Descriptors}, threads {sample.Threads}, heap {sample.GcHeapMb:F0} MB, " +
                $"small ok {scenarios.SmallGets.Ok:N0}, well-behaved errors {scenarios.All.Where(t => t.WellBehaved).Sum(t => t.Errors)}"));
        }

        var load = new[]
        {
            Pacer.RunAsync(rate, 128, scenarios.SmallGetAsync, stop.Token),
            Pacer.RunAsync(Math.Max(1, rate / 10.0), 32, scenarios.ChurnAsync, stop.Token),
            Pacer.RunAsync(0.2, 2, scenarios.BulkTunnelAsync, stop.Token),
            Pacer.RunAsync(2, 4, scenarios.TlsTunnelAsync, stop.Token),
            Pacer.RunAsync(2, 8, scenarios.WebSocketAsync, stop.Token),
            Pacer.RunAsync(5, 8, scenarios.HostileAsync, stop.Token),
            Pacer.RunAsync(2, 4, scenarios.ResetMidBodyAsync, stop.Token),
            Pacer.RunAsync(0.2, 4, scenarios.SlowReaderAsync, stop.Token),
            Pacer.RunAsync(1, 4, scenarios.DyingUpstreamAsync, stop.Token),
        };
        await SampleAsync().ConfigureAwait(false);
        using (var ticks = new PeriodicTimer(SampleEvery))
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await ticks.WaitForNextTickAsync(stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                await SampleAsync().ConfigureAwait(false);
            }
        }
        var skipped = await Task.WhenAll(load).ConfigureAwait(false);
        await SampleAsync().ConfigureAwait(false);
        if (skipped.Sum() > 0) Console.Error.WriteLine($"[soak] starts skipped because every slot was busy: {string.Join(' ', skipped)}");

        var log = SoakLogScan.Read(options.Text("log"));
        var report = SoakReport.Write(run, samples, scenarios.All, log, Path.GetFileName(output) + ".png");
        await File.WriteAllTextAsync(output + ".md", report).ConfigureAwait(false);
        Console.WriteLine(report);
        var failed = scenarios.All.Where(t => t.WellBehaved).Sum(t => t.Errors) > 0
                     || scenarios.All.Any(t => t.Outcomes.ContainsKey("hung"))
                     || log.Unhandled > 0;
        return failed ? 1 : 0;
    }
}
