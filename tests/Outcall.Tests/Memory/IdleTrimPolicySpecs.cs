using Outcall.Host.Memory;

namespace Outcall.Tests.Memory;

/// <summary>Issue 16: memory at rest is given back once traffic stops, without a collection per window while idle.</summary>
public sealed class IdleTrimPolicySpecs
{
    private const long Quiet = IdleTrimPolicy.QuietBytes;
    private const long Growth = IdleTrimPolicy.GrowthBytes;

    [Fact]
    public void The_first_quiet_window_after_start_trims()
    {
        var policy = new IdleTrimPolicy(allocatedBytes: 50 * Growth);
        Assert.True(policy.EndWindow(50 * Growth + Quiet));
    }

    [Fact]
    public void A_window_with_traffic_does_not_trim()
    {
        var policy = new IdleTrimPolicy(allocatedBytes: 0);
        Assert.False(policy.EndWindow(Quiet + 1));
    }

    [Fact]
    public void A_node_that_stays_idle_is_trimmed_once()
    {
        var policy = new IdleTrimPolicy(allocatedBytes: 0);
        Assert.True(policy.EndWindow(0));
        Assert.False(policy.EndWindow(Quiet));
        Assert.False(policy.EndWindow(2 * Quiet));
    }

    [Fact]
    public void The_next_quiet_window_after_enough_traffic_trims_again()
    {
        var policy = new IdleTrimPolicy(allocatedBytes: 0);
        Assert.True(policy.EndWindow(0));
        Assert.False(policy.EndWindow(Growth));
        Assert.True(policy.EndWindow(Growth + Quiet));
    }

    [Fact]
    public void A_quiet_window_after_too_little_traffic_does_not_trim()
    {
        var policy = new IdleTrimPolicy(allocatedBytes: 0);
        Assert.True(policy.EndWindow(0));
        Assert.False(policy.EndWindow(Growth / 2));
        Assert.False(policy.EndWindow(Growth / 2 + Quiet));
    }
}
