using Akka.Event;

namespace Outcall.Intercept;

/// <summary>
/// What a connection needs to intercept a tunnel: the leaves (minted by the node's CA, cached) and how
/// upstreams are verified. Exists only on a node with a CA configured (S011-FR-022: without one nothing of
/// interception is set up). Shared by every connection; thread-safe.
/// </summary>
public sealed class InterceptServices(LeafCache leaves, UpstreamTrust trust, TimeSpan handshakeTimeout)
{
    public LeafCache Leaves { get; } = leaves;
    public UpstreamTrust Trust { get; } = trust;
    /// <summary>How long both handshakes of a tunnel may take together.</summary>
    public TimeSpan HandshakeTimeout { get; } = handshakeTimeout;
    /// <summary>The SHA-256 fingerprint of the CA the leaves are signed with, as `ca status` prints it (S011-IF-012).</summary>
    public string CaFingerprint { get; init; } = "";

    /// <summary>
    /// The node's interception, or null when no CA is configured. Loads the CA (refusing a key open to others,
    /// unreadable or not matching, S011-IF-002) and the upstream-trust anchors: every problem is a
    /// <see cref="CaFileException"/> naming the file, for the node to refuse to start with.
    /// </summary>
    /// <param name="handshakeTimeout">The budget of a tunnel's two TLS handshakes (the node uses its connect timeout).</param>
    public static InterceptServices? Create(InterceptSettings settings, TimeSpan handshakeTimeout, ILoggingAdapter log, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!settings.CaConfigured) return null;
        var trust = UpstreamTrust.Load(settings.UpstreamTrust, time);
        var ca = CaFiles.Load(settings.CaCert, settings.CaKey, (time ?? TimeProvider.System).GetUtcNow());
        var leaves = new LeafCache(new LeafMinter(ca, settings.LeafTtl, time), settings.LeafCache, log, time);
        return new InterceptServices(leaves, trust, handshakeTimeout) { CaFingerprint = ca.Fingerprint };
    }
}
