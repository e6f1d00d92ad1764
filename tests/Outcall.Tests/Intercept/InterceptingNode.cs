using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Outcall.Tests.Proxy;

namespace Outcall.Tests.Intercept;

/// <summary>
/// What every interception spec starts from: a node with the test CA whose upstream hop trusts <c>trustPem</c> and
/// whose injected resolver knows only <c>host</c>, and an HttpClient through it that trusts only a given root.
/// </summary>
internal static class InterceptingNode
{
    /// <summary>Rules that intercept every tunnel to origin.test (a loopback origin, hence private addresses allowed).</summary>
    public const string InterceptOriginTest = """
        version: "1"
        rules:
          - id: origin
            condition: network.hostname == "origin.test"
            action: allow
            egress:
              mode: intercept
              allow_private_ips: true
        """;

    public static Task<ProxyHarness> StartAsync(CaDirectory ca, string rules, string host, string trustPem, string extraHocon = "") =>
        ProxyHarness.StartAsync(rules, $$"""
            {{extraHocon}}
            outcall.intercept {
              ca-cert = "{{ca.CertificatePath}}"
              ca-key = "{{ca.KeyPath}}"
              upstream-trust = ["{{trustPem}}"]
            }
            """, new StaticResolver().Map(host, IPAddress.Loopback));

    /// <summary>An HttpClient through the proxy, one connection at most, trusting only <paramref name="root"/>; it records what it was shown in <paramref name="seen"/> when given.</summary>
    public static HttpClient ClientTrusting(ProxyHarness proxy, X509Certificate2 root, TimeSpan timeout, List<X509Certificate2>? seen = null) =>
        new(new SocketsHttpHandler
        {
            Proxy = new WebProxy(proxy.ProxyUri), UseProxy = true, MaxConnectionsPerServer = 1,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    var shown = new X509Certificate2(certificate!);
                    if (seen is null)
                    {
                        using (shown) return TrustOnly.Chains(root, shown);
                    }
                    lock (seen) seen.Add(shown);
                    return TrustOnly.Chains(root, shown);
                },
            },
        })
        { Timeout = timeout };
}
