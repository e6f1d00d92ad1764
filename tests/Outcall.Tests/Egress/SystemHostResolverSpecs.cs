using System.Net;
using Outcall.Egress;

namespace Outcall.Tests.Egress;

/// <summary>FR-019 / EC-003 against the real system resolver; nothing here leaves the machine except one
/// query for a reserved .invalid name (RFC 6761), which no resolver may answer.</summary>
public class SystemHostResolverSpecs
{
    [Fact]
    public async Task A_reserved_invalid_name_fails_with_a_resolution_error()
    {
        var failure = await Assert.ThrowsAsync<HostResolutionException>(
            () => new SystemHostResolver().ResolveAsync("outcall-test.invalid", CancellationToken.None));

        Assert.Equal("outcall-test.invalid", failure.Host);
        Assert.DoesNotContain("outcall-test.invalid", failure.Message);
    }

    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1")]
    [InlineData("0x7f.1", "127.0.0.1")]
    [InlineData("::1", "::1")]
    public async Task A_literal_is_answered_without_a_lookup(string host, string expected)
    {
        var addresses = await new SystemHostResolver().ResolveAsync(host, CancellationToken.None);

        Assert.Equal([IPAddress.Parse(expected)], addresses);
    }

    [Fact]
    public async Task Localhost_resolves_to_loopback_addresses_only()
    {
        var addresses = await new SystemHostResolver().ResolveAsync("localhost", CancellationToken.None);

        Assert.NotEmpty(addresses);
        Assert.All(addresses, a => Assert.True(IPAddress.IsLoopback(a)));
    }

    [Fact]
    public async Task The_guard_refuses_localhost_through_the_system_resolver()
    {
        var guard = new DestinationGuard(new SystemHostResolver(), []);

        var check = await guard.CheckAsync("localhost", 80, false, CancellationToken.None);

        Assert.Equal(DestinationStatus.Forbidden, check.Status);
        Assert.Equal("destination localhost resolves to a non-public address (loopback)", check.Reason);
    }

    [Fact]
    public async Task An_empty_name_is_a_resolution_error_not_this_machines_addresses()
    {
        await Assert.ThrowsAsync<HostResolutionException>(() => new SystemHostResolver().ResolveAsync("", CancellationToken.None));
    }

    [Fact]
    public async Task An_already_cancelled_lookup_is_cancelled_rather_than_failed()
    {
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => new SystemHostResolver().ResolveAsync("localhost", new CancellationToken(canceled: true)));
    }

    [Fact]
    public void A_resolver_without_time_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new SystemHostResolver(TimeSpan.Zero));
}
