namespace Outcall.Telemetry;

/// <summary>
/// Whether this node should receive traffic, for the admin API's /ready. The node sets
/// <see cref="Listening"/> once the proxy accepts clients and <see cref="Draining"/> when shutdown
/// starts draining; anything else that stops taking new clients may set Draining too. Thread-safe.
/// </summary>
public sealed class NodeState
{
    private volatile bool _listening;
    private volatile bool _draining;

    public bool Listening { get => _listening; set => _listening = value; }
    public bool Draining { get => _draining; set => _draining = value; }

    /// <summary>Ready for traffic: listening and not draining.</summary>
    public bool Ready => _listening && !_draining;
}
