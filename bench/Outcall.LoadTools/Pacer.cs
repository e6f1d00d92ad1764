namespace Outcall.LoadTools;

/// <summary>
/// Runs an action at a steady rate with bounded concurrency until stopped. A run that cannot start on time
/// (all slots busy) is skipped and counted rather than queued, so a slow proxy sees the rate, not a burst.
/// </summary>
internal static class Pacer
{
    public static async Task<long> RunAsync(double perSecond, int concurrency, Func<CancellationToken, Task> action, CancellationToken stop)
    {
        var slots = new SemaphoreSlim(concurrency);
        var interval = TimeSpan.FromSeconds(1 / perSecond);
        var running = new List<Task>();
        var skipped = 0L;
        var next = DateTime.UtcNow;
        while (!stop.IsCancellationRequested)
        {
            var wait = next - DateTime.UtcNow;
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            next += interval;
            // Far behind (a stall): start again from now instead of catching up in a burst.
            if (DateTime.UtcNow - next > TimeSpan.FromSeconds(1)) next = DateTime.UtcNow;
            if (!slots.Wait(0))
            {
                skipped++;
                continue;
            }
            running.Add(RunOneAsync(action, slots, stop));
            if (running.Count > 4 * concurrency) running.RemoveAll(t => t.IsCompleted);
        }
        await Task.WhenAll(running).ConfigureAwait(false);
        return skipped;
    }

    private static async Task RunOneAsync(Func<CancellationToken, Task> action, SemaphoreSlim slots, CancellationToken stop)
    {
        try
        {
            await Task.Yield();
            await action(stop).ConfigureAwait(false);
        }
        finally
        {
            slots.Release();
        }
    }
}
