using System.Net;
using FsCheck.Xunit;
using Outcall.Egress;

namespace Outcall.Tests.Egress;

/// <summary>FR-026 / EC-016 invariants over arbitrary input: hostile hosts, every address, every number.</summary>
public class EgressPropertySpecs
{
    /// <summary>Answers every name with the same address, so any host that survives the checks resolves.</summary>
    private sealed class AnsweringResolver(IPAddress answer) : IHostResolver
    {
        public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) => Task.FromResult(new[] { answer });
    }

    private static IPAddress Ipv4(uint value) =>
        new([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]);

    [Property]
    public bool Every_32_bit_number_denotes_the_same_address_in_decimal_hex_and_octal(uint value)
    {
        var expected = Ipv4(value);
        return new[] { value.ToString(), "0x" + value.ToString("x"), "0" + Convert.ToString(value, 8) }
            .All(form => HostLiteral.TryParse(form, out var address) && address.Equals(expected));
    }

    [Property]
    public bool Every_dotted_quad_denotes_the_address_IPAddress_parses(byte a, byte b, byte c, byte d)
    {
        var host = $"{a}.{b}.{c}.{d}";
        return HostLiteral.TryParse(host, out var address) && address.Equals(IPAddress.Parse(host));
    }

    [Property]
    public bool A_string_without_a_colon_is_only_ever_an_IPv4_literal(string host) =>
        host is null || host.Contains(':') || !HostLiteral.TryParse(host, out var address)
        || address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork;

    [Property]
    public bool Every_IPv6_address_has_a_category_the_classifier_produces(byte[] bytes)
    {
        var address = new IPAddress(bytes.Concat(new byte[16]).Take(16).ToArray());
        var category = AddressClassifier.Classify(address);
        return Enum.IsDefined(category) && category != AddressCategory.ProxyItself;
    }

    [Property]
    public bool An_IPv4_address_outside_every_special_range_is_public_and_inside_one_is_not(uint value)
    {
        var address = Ipv4(value);
        var category = AddressClassifier.Classify(address);
        var special = IPAddress.IsLoopback(address) || (value >> 24) is 0 or 10 || (value >> 28) >= 14
            || (value >> 20) == 0xAC1 || (value >> 16) is 0xC0A8 or 0xA9FE || (value >> 22) == 0x191;
        return !special || category != AddressCategory.Public;
    }

    [Property]
    public async Task<bool> Whatever_the_host_an_allowed_check_only_names_public_endpoints(string host, bool answerIsPrivate)
    {
        if (host is null)
        {
            return true;
        }

        var answer = IPAddress.Parse(answerIsPrivate ? "10.1.2.3" : "93.184.215.14");
        var guard = new DestinationGuard(new AnsweringResolver(answer), [new IPEndPoint(IPAddress.Any, 3128)]);

        var check = await guard.CheckAsync(host, 443, false, CancellationToken.None);

        var reasonIsOneLine = check.Reason is null || !check.Reason.AsSpan().ContainsAny('\r', '\n');
        return reasonIsOneLine && check.Status switch
        {
            DestinationStatus.Allowed => check.Endpoints.All(e => AddressClassifier.Classify(e.Address) == AddressCategory.Public),
            _ => check.Endpoints.Count == 0,
        };
    }
}
