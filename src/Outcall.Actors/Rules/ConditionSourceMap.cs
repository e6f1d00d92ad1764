using YamlDotNet.RepresentationModel;

namespace Outcall.Rules;

/// <summary>
/// Maps a (line, column) inside a condition's text back to the rule file, so CEL errors point at the
/// file. Exact for single-line scalars written without escapes and for literal (`|`) blocks; anything
/// else (folded text, escapes) falls back to where the scalar starts. Every exact mapping is verified
/// against the file text, so a wrong guess degrades to the fallback rather than to a wrong position.
/// </summary>
internal sealed class ConditionSourceMap
{
    private readonly int _startLine, _startColumn;
    private readonly int _firstLine, _columnOffset;
    private readonly bool _multiLine, _exact;

    private ConditionSourceMap(int startLine, int startColumn, bool exact, bool multiLine, int firstLine, int columnOffset)
    {
        _startLine = startLine; _startColumn = startColumn;
        _exact = exact; _multiLine = multiLine; _firstLine = firstLine; _columnOffset = columnOffset;
    }

    public (int Line, int Column) ToFile(int line, int column)
    {
        if (!_exact || line < 1 || column < 1 || (!_multiLine && line != 1)) return (_startLine, _startColumn);
        return (_firstLine + line - 1, _columnOffset + column);
    }

    public static ConditionSourceMap For(YamlScalarNode node, string value, IReadOnlyList<string> fileLines)
    {
        var line = (int)node.Start.Line;
        var column = (int)node.Start.Column;
        var fallback = new ConditionSourceMap(line, column, false, false, 0, 0);
        if (line < 1 || line > fileLines.Count || column < 1) return fallback;

        if (node.Style is YamlDotNet.Core.ScalarStyle.Literal) return ForLiteralBlock(line, column, value, fileLines) ?? fallback;

        var quote = node.Style is YamlDotNet.Core.ScalarStyle.Plain ? 0 : 1;
        var text = fileLines[line - 1];
        var begin = column - 1 + quote;
        var fits = node.End.Line == node.Start.Line && value.IndexOf('\n') < 0
            && begin + value.Length <= text.Length && string.CompareOrdinal(text, begin, value, 0, value.Length) == 0;
        return fits ? new ConditionSourceMap(line, column, true, false, line, begin) : fallback;
    }

    // A literal block keeps every line verbatim below its header line, minus one fixed indentation.
    private static ConditionSourceMap? ForLiteralBlock(int headerLine, int headerColumn, string value, IReadOnlyList<string> fileLines)
    {
        var valueLines = value.Split('\n');
        var count = valueLines.Length;
        if (count > 1 && valueLines[^1].Length == 0) count--;
        var indent = -1;
        for (var i = 0; i < count; i++)
        {
            var fileIndex = headerLine + i;
            if (fileIndex >= fileLines.Count) return null;
            var fileLine = fileLines[fileIndex];
            var valueLine = valueLines[i];
            if (valueLine.Length == 0)
            {
                if (!string.IsNullOrWhiteSpace(fileLine) && fileLine.Length != 0) return null;
                continue;
            }
            if (indent < 0) indent = fileLine.Length - valueLine.Length;
            if (indent < 0 || fileLine.Length != indent + valueLine.Length
                || string.CompareOrdinal(fileLine, indent, valueLine, 0, valueLine.Length) != 0)
                return null;
        }
        return indent < 0 ? null : new ConditionSourceMap(headerLine, headerColumn, true, true, headerLine + 1, indent);
    }
}
