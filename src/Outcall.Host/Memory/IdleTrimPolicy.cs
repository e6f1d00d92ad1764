namespace Outcall.Host.Memory;

/// <summary>
/// When a node at rest should give its collector's spare memory back: at the end of a window in which
/// the process allocated almost nothing (no traffic to speak of), once enough was allocated since the
/// last trim that there is something to give back. A node that stays idle is trimmed once, not every window.
/// </summary>
public sealed class IdleTrimPolicy(long allocatedBytes)
{
    /// <summary>Allocation in one window up to which the node counts as at rest (an idle node's timers allocate a few KB).</summary>
    public const long QuietBytes = 256 * 1024;

    /// <summary>Allocation since the last trim below which a collection has too little to return to be worth its pause.</summary>
    public const long GrowthBytes = 8 * 1024 * 1024;

    private long _windowStart = allocatedBytes;
    private long _lastTrim = long.MinValue / 2;

    /// <summary>Ends the current window at <paramref name="allocatedBytes"/> (the process's total so far) and says whether to trim now.</summary>
    public bool EndWindow(long allocatedBytes)
    {
        var quiet = allocatedBytes - _windowStart <= QuietBytes;
        _windowStart = allocatedBytes;
        if (!quiet || allocatedBytes - _lastTrim < GrowthBytes) return false;
        _lastTrim = allocatedBytes;
        return true;
    }
}
