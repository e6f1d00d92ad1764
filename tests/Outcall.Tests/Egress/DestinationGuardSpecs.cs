using System.Net;
using Outcall.Egress;

namespace Outcall.Tests.Egress;

/// <summary>FR-026 / EC-016 (resolve once, check every address, dial only what was checked) and EC-003.</summary>
public class DestinationGuardSpecs
{
    private static readonly IPEndPoint[] ProxyOnLoopback = [new(IPAddress.Loopback, 3128)];

    private static readonly Dictionary<string, string[]> Zone = new()
    {
        ["public.example"] = ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
        ["rebind.example"] = ["127.0.0.1"],
        ["mixed.example"] = ["93.184.215.14", "10.0.0.7"],
        ["metadata.example"] = ["169.254.169.254"],
        ["mapped.example"] = ["::ffff:127.0.0.1"],
        ["duplicates.example"] = ["93.184.215.14", "93.184.215.14"],
        ["empty.example"] = [],
    };

    private static (DestinationGuard Guard, FakeHostResolver Resolver) Guard(IPEndPoint[]? proxy = null)
    {
        var resolver = new FakeHostResolver(Zone);
        return (new DestinationGuard(resolver, proxy ?? ProxyOnLoopback), resolver);
    }

    [Fact]
    public async Task A_public_name_is_allowed_with_every_resolved_address_in_order()
    {
        var check = await Guard().Guard.CheckAsync("public.example", 443, false, CancellationToken.None);

        Assert.Equal(DestinationStatus.Allowed, check.Status);
        Assert.Null(check.Reason);
        Assert.Equal(
            [new IPEndPoint(IPAddress.Parse("93.184.215.14"), 443), new IPEndPoint(IPAddress.Parse("2606:2800:21f:cb07:6820:80da:af6b:8b2c"), 443)],
            check.Endpoints);
    }

    [Fact]
    public async Task A_name_is_resolved_exactly_once()
    {
        var (guard, resolver) = Guard();

        await guard.CheckAsync("public.example", 443, false, CancellationToken.None);

        Assert.Equal(1, resolver.Lookups);
    }

    [Fact]
    public async Task A_repeated_address_is_dialled_once()
    {
        var check = await Guard().Guard.CheckAsync("duplicates.example", 80, false, CancellationToken.None);

        Assert.Equal([new IPEndPoint(IPAddress.Parse("93.184.215.14"), 80)], check.Endpoints);
    }

    [Fact]
    public async Task An_allowed_name_answering_loopback_is_refused_as_DNS_rebinding()
    {
        var check = await Guard().Guard.CheckAsync("rebind.example", 80, false, CancellationToken.None);

        Assert.Equal(DestinationStatus.Forbidden, check.Status);
        Assert.Empty(check.Endpoints);
        Assert.Equal("destination rebind.example resolves to a non-public address (loopback)", check.Reason);
    }

    [Fact]
    public async Task A_name_answering_loopback_is_allowed_when_the_rule_opts_in()
    {
        var check = await Guard().Guard.CheckAsync("rebind.example", 8080, true, CancellationToken.None);

        Assert.Equal(DestinationStatus.Allowed, check.Status);
        Assert.Equal([new IPEndPoint(IPAddress.Loopback, 8080)], check.Endpoints);
    }

    [Fact]
    public async Task A_mixed_public_and_private_answer_is_refused_as_a_whole()
    {
        var check = await Guard().Guard.CheckAsync("mixed.example", 443, false, CancellationToken.None);

        Assert.Equal(DestinationStatus.Forbidden, check.Status);
        Assert.Empty(check.Endpoints);
        Assert.Contains("private", check.Reason);
    }

    [Fact]
    public async Task The_cloud_metadata_address_is_refused_as_link_local()
    {
        var check = await Guard().Guard.CheckAsync("metadata.example", 80, false, CancellationToken.None);

        Assert.Equal("destination metadata.example resolves to a non-public address (link-local)", check.Reason);
    }

    [Fact]
    public async Task An_IPv4_mapped_answer_is_refused()
    {
        var check = await Guard().Guard.CheckAsync("mapped.example", 80, false, CancellationToken.None);

        Assert.Equal(DestinationStatus.Forbidden, check.Status);
        Assert.Contains("IPv4-mapped", check.Reason);
    }

    public static TheoryData<string, string> RefusedLiterals => new()
    {
        { "127.0.0.1", "destination 127.0.0.1 is loopback" },
        { "2130706433", "destination 2130706433 is loopback" },
        { "0x7f.1", "destination 0x7f.1 is loopback" },
        { "0177.0.0.1", "destination 0177.0.0.1 is loopback" },
        { "127.1", "destination 127.1 is loopback" },
        { "0", "destination 0 is unspecified" },
        { "0.0.0.0", "destination 0.0.0.0 is unspecified" },
        { "169.254.169.254", "destination 169.254.169.254 is link-local" },
        { "100.64.0.1", "destination 100.64.0.1 is shared address space (CGNAT)" },
        { "::1", "destination ::1 is loopback" },
        { "[::1]", "destination [::1] is loopback" },
        { "::ffff:127.0.0.1", "destination ::ffff:127.0.0.1 is IPv4-mapped IPv6" },
        { "::127.0.0.1", "destination ::127.0.0.1 is IPv4-compatible IPv6" },
        { "2002:7f00:1::", "destination 2002:7f00:1:: is 6to4" },
        { "64:ff9b::7f00:1", "destination 64:ff9b::7f00:1 is NAT64" },
        { "2001:0:4136:e378:8000:63bf:80ff:fffe", "destination 2001:0:4136:e378:8000:63bf:80ff:fffe is Teredo" },
        { "fd00:ec2::254", "destination fd00:ec2::254 is unique local" },
    };

    [Theory]
    [MemberData(nameof(RefusedLiterals))]
    public async Task A_non_public_literal_is_refused_without_a_lookup(string host, string reason)
    {
        var (guard, resolver) = Guard();

        var check = await guard.CheckAsync(host, 80, false, CancellationToken.None);

        Assert.Equal(DestinationStatus.Forbidden, check.Status);
        Assert.Equal(reason, check.Reason);
        Assert.Equal(0, resolver.Lookups);
    }

    [Fact]
    public async Task A_public_literal_is_allowed_without_a_lookup()
    {
        var (guard, resolver) = Guard();

        var check = await guard.CheckAsync("[2606:4700::1111]", 443, false, CancellationToken.None);

        Assert.Equal([new IPEndPoint(IPAddress.Parse("2606:4700::1111"), 443)], check.Endpoints);
        Assert.Equal(0, resolver.Lookups);
    }

    [Theory]
    [InlineData("1.2.3.4.5")]
    [InlineData("0x")]
    [InlineData("08.0.0.1")]
    [InlineData("256.0.0.1")]
    [InlineData("0x7f.0x1000000")]
    [InlineData("127.0.0.1.")]
    [InlineData("99999999999")]
    public async Task A_numeric_looking_host_that_is_not_a_valid_literal_is_refused_without_a_lookup(string host)
    {
        var (guard, resolver) = Guard();

        var check = await guard.CheckAsync(host, 80, true, CancellationToken.None);

        Assert.Equal(DestinationStatus.Forbidden, check.Status);
        Assert.Equal("invalid numeric host", check.Reason);
        Assert.Equal(0, resolver.Lookups);
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("a..example")]
    [InlineData(".example")]
    [InlineData("exa mple.com")]
    [InlineData("example.com\r\nX-Injected: 1")]
    [InlineData("127.0.0.1 ")]
    [InlineData("bücher.example")]
    [InlineData("[127.0.0.1]")]
    [InlineData("[::1")]
    [InlineData("::1%lo")]
    [InlineData("user@example.com")]
    public async Task A_malformed_host_is_refused_without_a_lookup(string host)
    {
        var (guard, resolver) = Guard();

        var check = await guard.CheckAsync(host, 80, true, CancellationToken.None);

        Assert.Equal(DestinationStatus.Forbidden, check.Status);
        Assert.Equal("invalid host name", check.Reason);
        Assert.Equal(0, resolver.Lookups);
    }

    [Fact]
    public async Task An_overlong_host_is_refused_without_a_lookup()
    {
        var (guard, resolver) = Guard();

        var check = await guard.CheckAsync(string.Join('.', Enumerable.Repeat(new string('a', 63), 5)), 80, false, CancellationToken.None);

        Assert.Equal("invalid host name", check.Reason);
        Assert.Equal(0, resolver.Lookups);
    }

    [Fact]
    public async Task A_fully_qualified_name_with_a_root_dot_is_resolved()
    {
        var resolver = new FakeHostResolver(new Dictionary<string, string[]> { ["public.example."] = ["93.184.215.14"] });

        var check = await new DestinationGuard(resolver, ProxyOnLoopback).CheckAsync("public.example.", 80, false, CancellationToken.None);

        Assert.Equal(DestinationStatus.Allowed, check.Status);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(65536)]
    public async Task A_port_outside_the_TCP_range_is_refused(int port)
    {
        var check = await Guard().Guard.CheckAsync("public.example", port, false, CancellationToken.None);

        Assert.Equal(DestinationStatus.Forbidden, check.Status);
        Assert.Equal("invalid destination port", check.Reason);
    }

    [Fact]
    public async Task A_name_that_does_not_resolve_is_a_DNS_failure_EC_003()
    {
        var check = await Guard().Guard.CheckAsync("nowhere.example", 443, false, CancellationToken.None);

        Assert.Equal(DestinationStatus.ResolutionFailed, check.Status);
        Assert.Empty(check.Endpoints);
        Assert.Equal("DNS resolution failed for nowhere.example: no such host", check.Reason);
    }

    [Fact]
    public async Task An_empty_answer_is_a_DNS_failure()
    {
        var check = await Guard().Guard.CheckAsync("empty.example", 443, false, CancellationToken.None);

        Assert.Equal(DestinationStatus.ResolutionFailed, check.Status);
        Assert.Contains("DNS", check.Reason);
    }

    public static TheoryData<IPEndPoint, string, int> ProxySelf => new()
    {
        { new IPEndPoint(IPAddress.Loopback, 3128), "127.0.0.1", 3128 },
        { new IPEndPoint(IPAddress.Loopback, 3128), "127.0.0.2", 3128 },
        { new IPEndPoint(IPAddress.Loopback, 3128), "0.0.0.0", 3128 },
        { new IPEndPoint(IPAddress.Loopback, 3128), "::ffff:127.0.0.1", 3128 },
        { new IPEndPoint(IPAddress.Any, 3128), "127.0.0.1", 3128 },
        { new IPEndPoint(IPAddress.Any, 3128), "::1", 3128 },
        { new IPEndPoint(IPAddress.IPv6Any, 3128), "127.0.0.1", 3128 },
        { new IPEndPoint(IPAddress.IPv6Any, 3128), "::", 3128 },
        { new IPEndPoint(IPAddress.IPv6Loopback, 3128), "::1", 3128 },
        { new IPEndPoint(IPAddress.Parse("10.0.0.5"), 3128), "10.0.0.5", 3128 },
        { new IPEndPoint(IPAddress.Parse("::ffff:10.0.0.5"), 3128), "10.0.0.5", 3128 },
    };

    [Theory]
    [MemberData(nameof(ProxySelf))]
    public async Task The_proxy_itself_is_refused_even_when_the_rule_opts_in(IPEndPoint listen, string target, int port)
    {
        var guard = new DestinationGuard(new FakeHostResolver(Zone), [listen]);

        var check = await guard.CheckAsync(target, port, true, CancellationToken.None);

        Assert.Equal(DestinationStatus.Forbidden, check.Status);
        Assert.Equal("destination is the proxy itself", check.Reason);
    }

    [Fact]
    public async Task A_name_resolving_to_the_proxy_itself_is_refused_even_when_the_rule_opts_in()
    {
        var check = await Guard().Guard.CheckAsync("rebind.example", 3128, true, CancellationToken.None);

        Assert.Equal("destination is the proxy itself", check.Reason);
    }

    [Theory]
    [InlineData("127.0.0.1", 3129)]
    [InlineData("10.0.0.6", 3128)]
    public async Task Another_port_or_address_next_to_the_proxy_is_allowed_with_the_opt_in(string target, int port)
    {
        var guard = new DestinationGuard(new FakeHostResolver(Zone), [new IPEndPoint(IPAddress.Parse("10.0.0.5"), 3128), new IPEndPoint(IPAddress.Loopback, 3128)]);

        var check = await guard.CheckAsync(target, port, true, CancellationToken.None);

        Assert.Equal(DestinationStatus.Allowed, check.Status);
    }

    [Fact]
    public async Task Cancellation_during_resolution_propagates()
    {
        var guard = new DestinationGuard(new SilentHostResolver(), ProxyOnLoopback);
        using var cancellation = new CancellationTokenSource();

        var pending = guard.CheckAsync("slow.example", 443, false, cancellation.Token);
        Assert.False(pending.IsCompleted);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
    }

    [Fact]
    public async Task An_already_cancelled_check_does_not_resolve()
    {
        var (guard, resolver) = Guard();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => guard.CheckAsync("public.example", 443, false, new CancellationToken(canceled: true)));
        Assert.Equal(0, resolver.Lookups);
    }
}
