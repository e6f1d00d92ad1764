using Outcall.Intercept;

namespace Outcall.Tests.Intercept;

/// <summary>S011-FR-006/FR-021, EC-008, SC-003 / issue 14: one leaf per host, in a bounded LRU, renewed before it expires.</summary>
public sealed class LeafCacheSpecs : IDisposable
{
    private static readonly TimeSpan Day = TimeSpan.FromHours(24);

    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 12, 2, 8, 0, 0, TimeSpan.Zero));
    private readonly CertificateAuthority _ca;
    private readonly RecordingLog _log = new();

    public LeafCacheSpecs() => _ca = CertificateAuthority.Generate(_clock);

    public void Dispose() => _ca.Dispose();

    private LeafCache Cache(int capacity = 1024) => new(new LeafMinter(_ca, Day, _clock), capacity, _log, _clock);

    private int Generated(string host) => _log.Lines.Count(line => line.Contains("leaf generated for " + host + ","));

    [Fact]
    public void A_host_asked_for_twice_gets_the_same_leaf_and_one_leaf_generated_event()
    {
        var cache = Cache();

        var first = cache.Get("api.github.com");
        var second = cache.Get("api.github.com");

        Assert.Same(first, second);
        Assert.Equal(1, Generated("api.github.com"));
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void Spellings_of_one_host_share_one_leaf()
    {
        var cache = Cache();

        Assert.Same(cache.Get("GitHub.com"), cache.Get("github.com."));
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void Each_host_gets_its_own_leaf()
    {
        var cache = Cache();

        var github = cache.Get("github.com");
        var npm = cache.Get("registry.npmjs.org");

        Assert.NotSame(github, npm);
        Assert.True(npm.Certificate.MatchesHostname("registry.npmjs.org"));
        Assert.Equal(2, cache.Count);
    }

    [Fact]
    public void The_cache_holds_at_most_its_capacity_dropping_the_least_recently_used()
    {
        var cache = Cache(capacity: 2);
        var a = cache.Get("a.example");
        var b = cache.Get("b.example");
        Assert.Same(a, cache.Get("a.example")); // a is now the most recently used

        cache.Get("c.example");

        Assert.Equal(2, cache.Count);
        Assert.Same(a, cache.Get("a.example"));
        Assert.NotSame(b, cache.Get("b.example"));
        Assert.Equal(2, Generated("b.example"));
    }

    [Fact]
    public void A_leaf_dropped_from_the_cache_stays_usable_by_whoever_holds_it()
    {
        var cache = Cache(capacity: 1);
        var held = cache.Get("a.example");

        cache.Get("b.example");

        Assert.True(held.Certificate.HasPrivateKey);
        Assert.Equal("a.example", held.ServerOptions().ServerCertificateContext!.TargetCertificate.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.DnsName, false));
    }

    [Fact]
    public void A_leaf_is_served_until_its_renewal_time_and_minted_again_from_then()
    {
        var cache = Cache();
        var first = cache.Get("example.com");

        _clock.Now = first.RenewAt - TimeSpan.FromSeconds(1);
        Assert.Same(first, cache.Get("example.com"));

        _clock.Now = first.RenewAt;
        var renewed = cache.Get("example.com");

        Assert.NotSame(first, renewed);
        Assert.True(renewed.NotAfter > first.NotAfter);
        Assert.True(first.RenewAt < first.NotAfter, "renewal comes before the leaf expires");
        Assert.Equal(2, Generated("example.com"));
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public async Task Concurrent_requests_for_an_uncached_host_mint_once()
    {
        var cache = Cache();
        const int Callers = 16;
        using var start = new Barrier(Callers);

        var leaves = Enumerable.Range(0, Callers)
            .Select(_ => Task.Factory.StartNew(() =>
            {
                start.SignalAndWait(TimeSpan.FromSeconds(20));
                return cache.Get("concurrent.example");
            }, TaskCreationOptions.LongRunning))
            .ToArray();
        var results = await Task.WhenAll(leaves).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Single(results.Distinct());
        Assert.Equal(1, Generated("concurrent.example"));
    }

    [Fact]
    public void A_failed_mint_is_not_cached_and_logs_no_leaf()
    {
        var cache = Cache();

        Assert.Throws<LeafMintingException>(() => cache.Get("*.example.com"));
        Assert.Throws<LeafMintingException>(() => cache.Get("*.example.com"));

        Assert.Equal(0, cache.Count);
        Assert.DoesNotContain(_log.Lines, line => line.Contains("leaf generated"));
    }

    [Fact]
    public void The_leaf_generated_event_is_logged_at_info_with_the_expiry()
    {
        var cache = Cache();

        var leaf = cache.Get("example.com");

        var line = Assert.Single(_log.Lines);
        Assert.StartsWith("Info: ", line);
        Assert.Contains(leaf.NotAfter.ToString(System.Globalization.CultureInfo.InvariantCulture), line);
    }
}
