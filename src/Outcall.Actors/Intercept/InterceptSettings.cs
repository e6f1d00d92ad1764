using Akka.Configuration;

namespace Outcall.Intercept;

/// <summary>
/// The `outcall.intercept` section (issue 14, S011-IF-001..004). With ca-cert and ca-key both empty,
/// interception is off and nothing of it is set up (S011-FR-022).
/// </summary>
public sealed record InterceptSettings(
    string CaCert,
    string CaKey,
    TimeSpan LeafTtl,
    int LeafCache,
    int BodyCap,
    IReadOnlyList<string> UpstreamTrust)
{
    /// <summary>S011-IF-003's range: a minute to a week.</summary>
    public static readonly TimeSpan MinLeafTtl = TimeSpan.FromMinutes(1), MaxLeafTtl = TimeSpan.FromDays(7);
    /// <summary>S011-IF-004: 0 (no body is buffered) to 16 MiB.</summary>
    public const int MaxBodyCap = 16 * 1024 * 1024;
    /// <summary>Far above any real fleet of hosts; a bound so a typo cannot ask for unbounded memory.</summary>
    public const int MaxLeafCache = 1_000_000;

    /// <summary>True when a CA is configured, so rules may ask for <c>mode: intercept</c>.</summary>
    public bool CaConfigured => CaCert.Length > 0;

    public static InterceptSettings Create(Config config)
    {
        var section = OutcallConfig.WithDefaults(config).GetConfig("outcall.intercept");
        var caCert = section.GetString("ca-cert") ?? "";
        var caKey = section.GetString("ca-key") ?? "";
        if (caCert.Length > 0 && caKey.Length == 0)
            throw new ConfigurationException("outcall.intercept.ca-key must be set when outcall.intercept.ca-cert is (--ca-key)");
        if (caKey.Length > 0 && caCert.Length == 0)
            throw new ConfigurationException("outcall.intercept.ca-cert must be set when outcall.intercept.ca-key is (--ca-cert)");

        var ttl = section.GetTimeSpan("leaf-ttl", null, allowInfinite: false);
        if (ttl < MinLeafTtl || ttl > MaxLeafTtl)
            throw new ConfigurationException("outcall.intercept.leaf-ttl must be between 1m and 7d");

        var cache = section.GetInt("leaf-cache");
        if (cache is <= 0 or > MaxLeafCache)
            throw new ConfigurationException($"outcall.intercept.leaf-cache must be between 1 and {MaxLeafCache}");

        var bodyCap = section.GetByteSize("body-cap") ?? throw new ConfigurationException("outcall.intercept.body-cap must be a size such as 1MiB");
        if (bodyCap is < 0 or > MaxBodyCap)
            throw new ConfigurationException("outcall.intercept.body-cap must be between 0 and 16MiB");

        var trust = section.GetStringList("upstream-trust").ToArray();
        if (trust.Any(string.IsNullOrWhiteSpace))
            throw new ConfigurationException("outcall.intercept.upstream-trust must list PEM file paths, not empty strings");

        return new InterceptSettings(caCert, caKey, ttl, cache, (int)bodyCap, trust);
    }

    /// <summary>
    /// What the node checks before it starts (S011-IF-002, EC-004, S011-AS-011): with a CA set, that the key is private
    /// to its owner, readable and matching, the certificate a CA valid now, and every upstream-trust file a PEM
    /// certificate. Any fault is a <see cref="ConfigurationException"/> naming the file; the key never appears.
    /// With no CA set nothing is read (S011-FR-022).
    /// </summary>
    public InterceptSettings CheckFiles(TimeProvider? time = null)
    {
        if (!CaConfigured) return this;
        try
        {
            using (CaFiles.Load(CaCert, CaKey, (time ?? TimeProvider.System).GetUtcNow())) { }
            Intercept.UpstreamTrust.Load(UpstreamTrust, time);
        }
        catch (CaFileException e)
        {
            throw new ConfigurationException(e.Message);
        }
        return this;
    }

    public bool Equals(InterceptSettings? other) =>
        other is not null && CaCert == other.CaCert && CaKey == other.CaKey && LeafTtl == other.LeafTtl
        && LeafCache == other.LeafCache && BodyCap == other.BodyCap && UpstreamTrust.SequenceEqual(other.UpstreamTrust);

    public override int GetHashCode() => HashCode.Combine(CaCert, CaKey, LeafTtl, LeafCache, BodyCap, UpstreamTrust.Count);
}
