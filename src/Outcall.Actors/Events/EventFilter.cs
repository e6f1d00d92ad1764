namespace Outcall.Events;

/// <summary>
/// Which events a subscriber wants: each set field must equal the event's (agent and decision exactly,
/// decision case-insensitively; host as the CONNECT or request host, or the SNI, case-insensitively).
/// </summary>
public sealed record EventFilter(string? Agent = null, string? Decision = null, string? Host = null)
{
    public static readonly EventFilter All = new();

    public bool Matches(TrafficEvent e) =>
        (Agent is null || string.Equals(Agent, e.Agent, StringComparison.Ordinal))
        && (Decision is null || string.Equals(Decision, e.Decision, StringComparison.OrdinalIgnoreCase))
        && (Host is null || string.Equals(Host, e.Host, StringComparison.OrdinalIgnoreCase)
            || string.Equals(Host, e.ServerName, StringComparison.OrdinalIgnoreCase));
}
