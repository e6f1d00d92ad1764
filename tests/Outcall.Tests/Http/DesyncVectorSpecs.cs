using System.Text;
using System.Text.Json;
using Outcall.Http;

namespace Outcall.Tests.Http;

/// <summary>
/// The aws/http-desync-guardian vectors (Conformance/NOTICE.md) against our request parser (FR-024).
/// Each case is parsed in its forward-proxy form: the curator's "Host: UPSTREAM" line and
/// "http://UPSTREAM" target prefix, with UPSTREAM replaced by 127.0.0.1:8080, because the original
/// heads have no Host and every one would fail the HTTP/1.1 Host rule instead of the rule under test.
/// Defaults by tier: Severe -> 400; Compliant and Acceptable -> accepted; Ambiguous -> 400 (we take
/// the library's strictest mode, since we cannot "forward but reuse neither connection").
/// Every case that differs from its tier's default is in <see cref="Deviations"/> with its reason.
/// </summary>
public class DesyncVectorSpecs
{
    private const int Accepted = 0;
    private static readonly byte[] Placeholder = "UPSTREAM"u8.ToArray();
    private static readonly byte[] Upstream = "127.0.0.1:8080"u8.ToArray();

    /// <summary>Cases whose outcome differs from their tier's default: id -> (our status, why).</summary>
    private static readonly Dictionary<string, (int Status, string Why)> Deviations = new()
    {
        // Compliant upstream, refused by our stricter policy.
        ["rfc-compliant#4"] = (400, "obs-text (0x80-0xFF) in a field value: its charset is up to the reader, so we refuse it"),
        ["rfc-compliant#5"] = (400, "obs-text in a field value"),
        ["rfc-compliant#6"] = (400, "obs-text in a field value"),
        ["rfc-compliant#7"] = (400, "obs-text in a field value"),
        ["rfc-compliant#8"] = (400, "obs-text in a field value"),
        ["rfc-compliant#11"] = (400, "transfer-coding parameters ('gzip ;', 'chunked;custom_param;'): parsers disagree on them"),
        ["more-compliant-tests#10"] = (400, "transfer-coding parameters on chunked ('chunked;custom_param;')"),
        ["rfc-compliant#12"] = (400, "fragment ('#form') in the request-target"),
        ["rfc-compliant#13"] = (400, "non-ASCII bytes in the request-target"),
        // Compliant upstream, 501 since issue 12: "identity" is no longer a registered transfer coding and RFC 9112
        // §6.1 answers a coding the server does not understand with 501 (an origin that honours chunked only as
        // the sole coding would read the chunks as the next request).
        ["rfc-compliant#9"] = (501, "unknown transfer coding 'identity' before chunked"),
        ["rfc-compliant#10"] = (501, "unknown transfer coding 'identity' before chunked"),
        ["more-compliant-tests#8"] = (501, "unknown transfer coding 'identity' before chunked"),
        ["more-compliant-tests#9"] = (501, "unknown transfer coding 'identity' before chunked"),
        // Acceptable upstream, refused by our stricter policy (FR-024 and RFC 9112 syntax).
        ["acceptable#1"] = (400, "whitespace before a field colon"),
        ["acceptable#2"] = (400, "whitespace before a field colon"),
        ["acceptable#4"] = (400, "whitespace before a field colon"),
        ["acceptable#3"] = (400, "control byte in a field name"),
        ["bad-header-characters#12"] = (400, "control byte in a field name"),
        ["bad-header-characters#13"] = (400, "control byte in a field name"),
        ["bad-header-characters#14"] = (400, "control byte in a field value"),
        ["bad-header-characters#15"] = (400, "control byte in a field value"),
        ["acceptable#7"] = (505, "HTTP/0.9 is a well-formed but unsupported version"),
        ["acceptable#9"] = (505, "HTTP/1.2 is a well-formed but unsupported version"),
        ["acceptable#8"] = (400, "request line without a version"),
        ["uri-specific-test-cases#2"] = (400, "space after the version: the version is not exactly HTTP/1.x"),
        ["uri-specific-test-cases#4"] = (400, "unescaped spaces in the target split the request line"),
        // Ambiguous upstream, refused with 505 rather than 400 because the version is well-formed.
        ["ambiguous#25"] = (505, "HTTP/0.9 version"),
        ["ambiguous#26"] = (505, "HTTP/0.9 version"),
        // Ambiguous upstream, accepted: the names are plain tokens that no known server folds into
        // Transfer-Encoding, so they are forwarded as ordinary fields and framing stays ours alone.
        ["ambiguous#31"] = (Accepted, "'Transfer---Encoding' is an ordinary field"),
        ["ambiguous#32"] = (Accepted, "'Transfer___Encoding' is an ordinary field (only a one-for-one '_' fold is refused)"),
    };

    public sealed record Vector(string Id, string Tier, byte[] Head)
    {
        public override string ToString() => Id;
    }

    private static List<Vector> Load()
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Http", "Conformance", "desync-vectors.json")));
        var vectors = new List<Vector>();
        foreach (var record in document.RootElement.GetProperty("cases").EnumerateArray())
        {
            var id = record.GetProperty("id").GetString()!;
            var tier = record.GetProperty("tier").GetString()!;
            vectors.Add(new Vector(id, tier, Substitute(Convert.FromBase64String(record.GetProperty("proxy_head_b64").GetString()!))));
            if (record.TryGetProperty("proxy_head_octets_b64", out var octets))
                vectors.Add(new Vector(id + " (octets)", tier, Substitute(Convert.FromBase64String(octets.GetString()!))));
        }
        return vectors;
    }

    private static byte[] Substitute(byte[] head)
    {
        var output = new List<byte>(head.Length + 16);
        for (var i = 0; i < head.Length; i++)
        {
            if (head.AsSpan(i).StartsWith(Placeholder))
            {
                output.AddRange(Upstream);
                i += Placeholder.Length - 1;
            }
            else
            {
                output.Add(head[i]);
            }
        }
        return [.. output];
    }

    public static TheoryData<Vector> Vectors => new(Load());

    private static int Outcome(Vector vector)
    {
        var result = RequestHeadParser.Parse(vector.Head, 8192);
        return result.Status switch
        {
            HeadParseStatus.Complete => Accepted,
            HeadParseStatus.Error => result.StatusCode,
            _ => -1,
        };
    }

    private static int Expected(Vector vector)
    {
        if (Deviations.TryGetValue(vector.Id.Replace(" (octets)", "", StringComparison.Ordinal), out var deviation)) return deviation.Status;
        return vector.Tier switch
        {
            "Severe" or "Ambiguous" => 400,
            _ => Accepted,
        };
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void A_desync_vector_gets_the_outcome_its_tier_or_listed_deviation_says(Vector vector) =>
        Assert.Equal(Expected(vector), Outcome(vector));

    [Fact]
    public void Severe_vectors_are_never_deviations() =>
        Assert.DoesNotContain(Load(), v => v.Tier == "Severe" && Deviations.ContainsKey(v.Id));

    [Fact]
    public void Every_listed_deviation_names_a_vector_that_really_deviates_from_its_tier_default()
    {
        var vectors = Load();
        foreach (var (id, deviation) in Deviations)
        {
            var vector = vectors.Single(v => v.Id == id);
            var tierDefault = vector.Tier is "Severe" or "Ambiguous" ? 400 : Accepted;
            Assert.NotEqual(tierDefault, deviation.Status);
            Assert.False(string.IsNullOrWhiteSpace(deviation.Why));
        }
    }

    [Fact]
    public void All_159_vectors_are_loaded() =>
        Assert.Equal(159, Load().Count(v => !v.Id.EndsWith("(octets)", StringComparison.Ordinal)));
}
