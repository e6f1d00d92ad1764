using Microsoft.Extensions.Hosting;

namespace Outcall.Host.Memory;

/// <summary>
/// Gives memory back at rest (issue 16): the collector keeps the regions of its last busy period committed,
/// tens of MB after a burst of traffic, and no collection runs while nothing is allocated. After a quiet
/// window (<see cref="IdleTrimPolicy"/>) one aggressive collection compacts the heap and decommits what it
/// does not use. It is one blocking full collection, only when no traffic is waiting on it.
/// </summary>
public sealed class IdleTrim(TimeSpan window) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var policy = new IdleTrimPolicy(GC.GetTotalAllocatedBytes());
        using var timer = new PeriodicTimer(window);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
                if (policy.EndWindow(GC.GetTotalAllocatedBytes()))
                {
                    GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                    NativeHeap.Trim();
                }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
