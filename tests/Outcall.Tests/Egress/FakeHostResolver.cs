using System.Net;
using Outcall.Egress;

namespace Outcall.Tests.Egress;

/// <summary>A resolver with a fixed table, counting lookups, so guard tests need no DNS at all.</summary>
internal sealed class FakeHostResolver(IReadOnlyDictionary<string, string[]> answers) : IHostResolver
{
    public int Lookups { get; private set; }

    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Lookups++;
        return answers.TryGetValue(host, out var addresses)
            ? Task.FromResult(addresses.Select(IPAddress.Parse).ToArray())
            : Task.FromException<IPAddress[]>(new HostResolutionException(host, "no such host"));
    }
}

/// <summary>A resolver that never answers until cancelled, like a DNS server that has gone quiet.</summary>
internal sealed class SilentHostResolver : IHostResolver
{
    public async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
        throw new InvalidOperationException("unreachable: an infinite delay only ends by cancellation");
    }
}
