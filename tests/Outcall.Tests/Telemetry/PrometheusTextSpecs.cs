namespace Outcall.Tests.Telemetry;

/// <summary>The test parser must itself refuse what Prometheus refuses, or the /metrics checks prove nothing.</summary>
public sealed class PrometheusTextSpecs
{
    private const string Valid = """
        # HELP x_total Things, with a \\ backslash and a \n newline.
        # TYPE x_total counter
        x_total{kind="a\"b\\c\nd",other="2"} 3
        x_total{kind="e"} 4 1700000000000
        # a plain comment
        # HELP h_seconds Durations.
        # TYPE h_seconds histogram
        h_seconds_bucket{le="0.1"} 1
        h_seconds_bucket{le="1"} 3
        h_seconds_bucket{le="+Inf"} 3
        h_seconds_sum 1.5
        h_seconds_count 3

        """;

    [Fact]
    public void A_well_formed_exposition_parses_with_labels_unescaped()
    {
        var families = PrometheusText.Parse(Valid.Replace("\r\n", "\n"));
        Assert.Equal("counter", families["x_total"].Type);
        Assert.Equal("Things, with a \\ backslash and a \n newline.", families["x_total"].Help);
        Assert.Equal("a\"b\\c\nd", families["x_total"].Samples[0].Label("kind"));
        Assert.Equal(3, families["h_seconds"].Samples.Single(s => s.Name == "h_seconds_count").Value);
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { "bad metric name", "# TYPE 1x counter\n1x 1\n" },
        { "unquoted label", "x{a=b} 1\n" },
        { "unknown escape", "x{a=\"\\t\"} 1\n" },
        { "unclosed label", "x{a=\"b} 1\n" },
        { "duplicate label", "x{a=\"1\",a=\"2\"} 1\n" },
        { "missing value", "x{a=\"1\"}\n" },
        { "bad value", "x 1,5\n" },
        { "bad type", "# TYPE x countr\nx 1\n" },
        { "second TYPE", "# TYPE x counter\n# TYPE x counter\nx 1\n" },
        { "TYPE after samples", "x 1\n# TYPE x counter\n" },
        { "duplicate series", "x{a=\"1\"} 1\nx{a=\"1\"} 2\n" },
        { "interleaved families", "x 1\ny 1\nx{a=\"1\"} 1\n" },
        { "no final newline", "x 1" },
        { "buckets not cumulative", "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 0\nh_count 1\n" },
        { "no +Inf bucket", "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 0\nh_count 1\n" },
        { "count differs from +Inf", "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 0\nh_count 1\n" },
        { "le out of order", "# TYPE h histogram\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 0\nh_count 1\n" },
        { "no _sum", "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void A_malformed_exposition_is_rejected(string problem, string text)
    {
        var error = Assert.Throws<FormatException>(() => PrometheusText.Parse(text));
        Assert.False(string.IsNullOrEmpty(error.Message), problem);
    }
}
