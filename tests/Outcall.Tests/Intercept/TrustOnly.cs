using System.Security.Cryptography.X509Certificates;

namespace Outcall.Tests.Intercept;

/// <summary>Chain checks that trust one root and nothing else (no system store, no revocation lookups).</summary>
internal static class TrustOnly
{
    public static X509ChainPolicy Policy(X509Certificate2 root, DateTimeOffset? at = null)
    {
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.Add(root);
        if (at is { } time) policy.VerificationTime = time.UtcDateTime;
        return policy;
    }

    /// <summary>True when <paramref name="certificate"/> chains to <paramref name="root"/> and is valid at <paramref name="at"/> (now when null).</summary>
    public static bool Chains(X509Certificate2 root, X509Certificate2 certificate, DateTimeOffset? at = null)
    {
        using var chain = new X509Chain { ChainPolicy = Policy(root, at) };
        return chain.Build(certificate);
    }
}
