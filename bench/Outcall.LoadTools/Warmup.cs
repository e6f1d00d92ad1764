using System.Diagnostics;

namespace Outcall.LoadTools;

/// <summary>
/// bench/run.sh's warm-up without wrk: small GETs from 50 concurrent clients for --seconds (3), then
/// tunnel churn from 8 workers for 1 s, against the tool's own upstreams. Used by bench/memory.sh to
/// measure resident memory after the same warm-up the benchmark gives.
/// </summary>
internal static class Warmup
{
    public static async Task<int> RunAsync(Options options)
    {
        var proxy = options.Proxy() ?? throw new ArgumentException("--proxy must name the proxy");
        var seconds = options.Int("seconds", 3);
        await using var origin = await SoakOrigin.StartAsync().ConfigureAwait(false);
        await using var echo = new EchoServer();
        await using var tlsEcho = new TlsEchoServer();
        using var scenarios = new SoakScenarios(proxy, origin, echo, tlsEcho);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(async () =>
        {
            while (clock.Elapsed.TotalSeconds < seconds) await scenarios.SmallGetAsync(CancellationToken.None).ConfigureAwait(false);
        }))).ConfigureAwait(false);
        clock.Restart();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (clock.Elapsed.TotalSeconds < 1) await scenarios.ChurnAsync(CancellationToken.None).ConfigureAwait(false);
        }))).ConfigureAwait(false);
        var errors = scenarios.SmallGets.Errors + scenarios.Churn.Errors;
        Console.WriteLine($"small_ok={scenarios.SmallGets.Ok} churn_ok={scenarios.Churn.Ok} errors={errors}");
        return errors == 0 ? 0 : 1;
    }
}
