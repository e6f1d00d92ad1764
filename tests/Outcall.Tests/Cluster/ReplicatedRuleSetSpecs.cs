using System.IO.Compression;
using FsCheck.Xunit;
using Outcall.Cluster;
using Outcall.Rules;

namespace Outcall.Tests.Cluster;

/// <summary>The replicated payload: compact, lossless, and hostile bytes are a FormatException and nothing else.</summary>
public sealed class ReplicatedRuleSetSpecs
{
    private static readonly ReplicatedRuleSet Sample = new(
        [new RuleFile("a.yaml", "\uFEFFversion: \"1\"\nrules: []\n"), new RuleFile("b.yml", "# ünïcödé\n")],
        new string('c', 64), new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero), "akka.tcp://outcall@10.0.0.1:4053");

    [Fact]
    public void A_payload_decodes_to_exactly_what_was_encoded()
    {
        var decoded = ReplicatedRuleSet.Decode(Sample.Encode());

        Assert.Equal(Sample.Files, decoded.Files);
        Assert.Equal(Sample.ContentHash, decoded.ContentHash);
        Assert.Equal(Sample.LoadedAt, decoded.LoadedAt);
        Assert.Equal(Sample.Origin, decoded.Origin);
    }

    [Fact]
    public void Repetitive_rule_text_is_compressed()
    {
        var text = string.Concat(Enumerable.Repeat("  - id: r\n    condition: network.hostname == \"x.example\"\n    action: block\n", 10_000));
        var payload = new ReplicatedRuleSet([new RuleFile("big.yaml", text)], "", DateTimeOffset.UtcNow, "o").Encode();

        Assert.True(payload.Length < text.Length / 20, $"{payload.Length} bytes for {text.Length} characters");
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { (byte)'O', (byte)'C', (byte)'R' })]
    [InlineData(new byte[] { (byte)'X', (byte)'C', (byte)'R', (byte)'1', 0x1f, 0x8b })]
    [InlineData(new byte[] { (byte)'O', (byte)'C', (byte)'R', (byte)'1', 1, 2, 3, 4, 5, 6, 7, 8 })]
    public void Bytes_that_are_not_a_payload_are_a_FormatException(byte[] bytes) =>
        Assert.Throws<FormatException>(() => ReplicatedRuleSet.Decode(bytes));

    [Fact]
    public void A_truncated_payload_is_a_FormatException()
    {
        var payload = Sample.Encode();

        Assert.Throws<FormatException>(() => ReplicatedRuleSet.Decode(payload[..(payload.Length - 12)]));
    }

    [Fact]
    public void A_payload_that_would_expand_past_the_bound_is_refused_before_it_is_all_read()
    {
        var bomb = new MemoryStream();
        bomb.Write("OCR1"u8);
        using (var gzip = new GZipStream(bomb, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var zeros = new byte[1024 * 1024];
            for (var i = 0; i <= ReplicatedRuleSet.MaxDecodedBytes / zeros.Length; i++) gzip.Write(zeros);
        }

        var error = Assert.Throws<FormatException>(() => ReplicatedRuleSet.Decode(bomb.ToArray()));
        Assert.Contains("expands to more than", error.Message);
    }

    [Fact]
    public void A_file_count_larger_than_the_bytes_can_hold_is_refused_without_allocating_for_it()
    {
        var body = new MemoryStream();
        using (var gzip = new GZipStream(body, CompressionLevel.Fastest, leaveOpen: true))
        {
            var writer = new BinaryWriter(gzip);
            writer.Write(0); // hash ""
            writer.Write(0L); // ticks
            writer.Write(0); // origin ""
            writer.Write(int.MaxValue); // files
        }
        var payload = "OCR1"u8.ToArray().Concat(body.ToArray()).ToArray();

        Assert.Contains("file count", Assert.Throws<FormatException>(() => ReplicatedRuleSet.Decode(payload)).Message);
    }

    /// <summary>Any corruption of a real payload is reported as a FormatException or still decodes; nothing else escapes.</summary>
    [Property(MaxTest = 300)]
    public void Corrupted_payloads_never_throw_anything_but_FormatException(int[] flips)
    {
        var payload = Sample.Encode();
        foreach (var flip in flips ?? []) payload[4 + (flip & 0x7fffffff) % (payload.Length - 4)] ^= (byte)(1 << ((flip >>> 24) & 7));
        try
        {
            ReplicatedRuleSet.Decode(payload);
        }
        catch (FormatException)
        {
            // The documented refusal.
        }
    }
}
