using System.Text.Json;
using Outcall.Host.Cli;

namespace Outcall.Tests.Cli;

/// <summary>How `outcall tail` prints one event (issue 15): colour by decision when wanted, nothing that can drive a terminal.</summary>
public sealed class VerdictLineSpecs
{
    private static string Line(string json, bool colour)
    {
        using var e = JsonDocument.Parse(json);
        return VerdictLine.Format(e.RootElement, colour);
    }

    private const string Block = """
        {"id":7,"time":"2026-12-02T13:00:00+00:00","decision":"BLOCK","cause":"rule","agent":"builder","method":"CONNECT","host":"x.evil.test",
         "port":443,"path":"","server_name":"","rule_id":"block-evil","reason":"blocked by rule","outcome":null}
        """;

    [Fact]
    public void A_block_is_red_and_names_its_rule_when_colour_is_wanted()
    {
        var line = Line(Block, colour: true);

        Assert.StartsWith("\e[31m", line);
        Assert.EndsWith("  BLOCK        builder  CONNECT x.evil.test:443  blocked by rule (rule block-evil)\e[0m", line);
    }

    [Fact]
    public void Without_colour_there_is_no_escape_sequence()
    {
        Assert.DoesNotContain('\e', Line(Block, colour: false));
    }

    [Fact]
    public void A_would_block_is_yellow()
    {
        Assert.StartsWith("\e[33m", Line(Block.Replace("\"BLOCK\"", "\"WOULD_BLOCK\""), colour: true));
    }

    [Fact]
    public void Control_characters_from_the_wire_are_printed_as_question_marks()
    {
        var line = Line(Block.Replace("\"builder\"", "\"bad\\u001b[2Jagent\""), colour: false);

        Assert.Contains("bad?[2Jagent", line);
        Assert.DoesNotContain('\e', line);
    }

    [Fact]
    public void An_outcome_is_a_done_line_with_status_bytes_and_duration()
    {
        var line = Line(Block.Replace("\"outcome\":null", "\"outcome\":{\"status\":200,\"bytes_up\":10,\"bytes_down\":2048,\"duration_ms\":12,\"end\":\"completed\"}"),
            colour: false);

        Assert.EndsWith("  DONE 200     builder  CONNECT x.evil.test:443  10 B up, 2 KiB down, 12 ms, completed", line);
    }
}
