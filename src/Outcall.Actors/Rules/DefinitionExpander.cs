using System.Text;

namespace Outcall.Rules;

/// <summary>
/// Expands a file's `$name` references to `(fragment)`, recursively (S003). References are found by a
/// small CEL-aware scanner, so a `$` inside a string literal or a comment is left alone. Each root cause
/// (an undefined name, a cycle, an expansion that grows too large) is reported once, where it is written.
/// </summary>
internal sealed class DefinitionExpander
{
    /// <summary>Definitions can double in size at each level; this bounds what a hostile file can make us build.</summary>
    internal const int MaxExpandedLength = 64 * 1024;
    internal const int MaxNesting = 32;

    private enum State { Pending, Expanding, Done, Failed }

    private readonly string _file;
    private readonly LoadDiagnostics _diagnostics;
    private readonly Dictionary<string, DefinitionSource> _definitions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, State> _states = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _expanded = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _references = new(StringComparer.Ordinal);
    private readonly HashSet<string> _usedByRules = new(StringComparer.Ordinal);

    public DefinitionExpander(string file, IReadOnlyList<DefinitionSource> definitions, LoadDiagnostics diagnostics)
    {
        _file = file;
        _diagnostics = diagnostics;
        foreach (var definition in definitions)
        {
            _definitions[definition.Name] = definition;
            _states[definition.Name] = State.Pending;
        }
        // Every definition is checked, used or not, so a broken one is reported even before a rule needs it.
        foreach (var definition in definitions) ExpandDefinition(definition.Name, []);
    }

    public static bool IsName(string text)
    {
        if (text.Length == 0 || !IsNameStart(text[0])) return false;
        foreach (var c in text) if (!IsNamePart(c)) return false;
        return true;
    }

    /// <summary>The condition with every reference expanded, or null after reporting why not.</summary>
    public ExpandedCondition? ExpandCondition(string condition, string ruleId, int line)
    {
        var references = FindReferences(condition);
        if (references.Count == 0) return new ExpandedCondition(condition, null);

        var text = new StringBuilder(condition.Length * 2);
        var originalOffsets = new List<int>(condition.Length * 2);
        var copied = 0;
        var ok = true;
        foreach (var reference in references)
        {
            MarkUsed(reference.Name);
            AppendVerbatim(condition, copied, reference.Start, text, originalOffsets);
            copied = reference.Start + reference.Length;
            var fragment = Resolve(reference.Name);
            if (fragment is null)
            {
                var why = _definitions.ContainsKey(reference.Name)
                    ? $"condition uses '${reference.Name}', whose definition has an error (reported at its line)"
                    : $"condition uses undefined definition '${reference.Name}'";
                _diagnostics.Error(_file, line, 0, ruleId, why);
                ok = false;
                continue;
            }
            text.Append('(').Append(fragment).Append(')');
            for (var i = 0; i < fragment.Length + 2; i++) originalOffsets.Add(reference.Start);
            if (text.Length > MaxExpandedLength)
            {
                _diagnostics.Error(_file, line, 0, ruleId, $"condition is longer than {MaxExpandedLength} characters once definitions are expanded");
                return null;
            }
        }
        AppendVerbatim(condition, copied, condition.Length, text, originalOffsets);
        return ok ? new ExpandedCondition(text.ToString(), originalOffsets.ToArray()) : null;
    }

    /// <summary>Warns about definitions no rule reaches, directly or through other definitions.</summary>
    public void WarnAboutUnused()
    {
        foreach (var definition in _definitions.Values.OrderBy(d => d.Line))
        {
            if (!_usedByRules.Contains(definition.Name))
                _diagnostics.Warning(_file, definition.Line, $"definition '${definition.Name}' is not used by any rule");
        }
    }

    private string? Resolve(string name) =>
        _states.TryGetValue(name, out var state) && state == State.Done ? _expanded[name] : null;

    private void MarkUsed(string name)
    {
        var pending = new Stack<string>();
        pending.Push(name);
        while (pending.Count > 0)
        {
            var next = pending.Pop();
            if (!_definitions.ContainsKey(next) || !_usedByRules.Add(next)) continue;
            foreach (var referenced in _references.GetValueOrDefault(next) ?? []) pending.Push(referenced);
        }
    }

    private string? ExpandDefinition(string name, List<string> chain)
    {
        var definition = _definitions[name];
        switch (_states[name])
        {
            case State.Done: return _expanded[name];
            case State.Failed: return null;
            case State.Expanding:
                var cycle = chain.Skip(chain.IndexOf(name)).Append(name).Select(n => "$" + n);
                _diagnostics.Error(_file, definition.Line, definition.Column, null, $"definition cycle: {string.Join(" -> ", cycle)}");
                _states[name] = State.Failed;
                return null;
        }
        if (chain.Count >= MaxNesting)
        {
            _diagnostics.Error(_file, definition.Line, definition.Column, null, $"definitions nest more than {MaxNesting} levels deep at '${name}'");
            _states[name] = State.Failed;
            return null;
        }

        _states[name] = State.Expanding;
        chain.Add(name);
        var references = FindReferences(definition.Fragment);
        _references[name] = references.Select(r => r.Name).Distinct().ToList();
        var text = new StringBuilder(definition.Fragment.Length);
        var copied = 0;
        var ok = true;
        foreach (var reference in references)
        {
            text.Append(definition.Fragment, copied, reference.Start - copied);
            copied = reference.Start + reference.Length;
            if (!_definitions.ContainsKey(reference.Name))
            {
                _diagnostics.Error(_file, definition.Line, definition.Column, null, $"definition '${name}' uses undefined definition '${reference.Name}'");
                ok = false;
                continue;
            }
            var fragment = ExpandDefinition(reference.Name, chain);
            if (fragment is null) { ok = false; continue; }
            text.Append('(').Append(fragment).Append(')');
            if (text.Length > MaxExpandedLength)
            {
                _diagnostics.Error(_file, definition.Line, definition.Column, null, $"definition '${name}' is longer than {MaxExpandedLength} characters once expanded");
                ok = false;
                break;
            }
        }
        text.Append(definition.Fragment, copied, definition.Fragment.Length - copied);
        chain.RemoveAt(chain.Count - 1);

        // A cycle through this definition has already marked it failed.
        if (!ok || _states[name] == State.Failed)
        {
            _states[name] = State.Failed;
            return null;
        }
        _states[name] = State.Done;
        return _expanded[name] = text.ToString();
    }

    private static void AppendVerbatim(string source, int from, int to, StringBuilder text, List<int> originalOffsets)
    {
        text.Append(source, from, to - from);
        for (var i = from; i < to; i++) originalOffsets.Add(i);
    }

    internal readonly record struct Reference(int Start, int Length, string Name);

    /// <summary>
    /// `$name` occurrences outside CEL string literals (quoted, triple-quoted, raw) and `//` comments.
    /// Unterminated literals run to the end; the CEL compiler reports them.
    /// </summary>
    internal static List<Reference> FindReferences(string text)
    {
        var references = new List<Reference>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c is '"' or '\'') { i = SkipStringLiteral(text, i); continue; }
            if (c == '/' && i + 1 < text.Length && text[i + 1] == '/')
            {
                var end = text.IndexOf('\n', i);
                i = end < 0 ? text.Length : end;
                continue;
            }
            if (c == '$' && i + 1 < text.Length && IsNameStart(text[i + 1]))
            {
                var end = i + 2;
                while (end < text.Length && IsNamePart(text[end])) end++;
                references.Add(new Reference(i, end - i, text[(i + 1)..end]));
                i = end;
                continue;
            }
            i++;
        }
        return references;
    }

    private static int SkipStringLiteral(string text, int quoteIndex)
    {
        var quote = text[quoteIndex];
        var raw = IsRawPrefix(text, quoteIndex);
        var triple = quoteIndex + 2 < text.Length && text[quoteIndex + 1] == quote && text[quoteIndex + 2] == quote;
        var i = quoteIndex + (triple ? 3 : 1);
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '\\' && !raw) { i += 2; continue; }
            if (c == quote)
            {
                if (!triple) return i + 1;
                if (i + 2 < text.Length && text[i + 1] == quote && text[i + 2] == quote) return i + 3;
            }
            else if (c == '\n' && !triple) return i + 1;
            i++;
        }
        return text.Length;
    }

    // r"...", R"...", rb"...", br"..." and so on: the prefix is a short run of letters right before the quote.
    private static bool IsRawPrefix(string text, int quoteIndex)
    {
        var start = quoteIndex;
        while (start > 0 && IsNamePart(text[start - 1])) start--;
        var prefix = text.AsSpan(start, quoteIndex - start);
        return prefix.Length is 1 or 2 && prefix.ContainsAny('r', 'R') && !prefix.ContainsAnyExcept("rRbB");
    }

    private static bool IsNameStart(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '_';
    private static bool IsNamePart(char c) => IsNameStart(c) || c is >= '0' and <= '9';
}

/// <summary>A condition after expansion, with a way back to positions in what the author wrote.</summary>
internal sealed class ExpandedCondition(string text, int[]? originalOffsets)
{
    public string Text { get; } = text;
    public bool UsesDefinitions => originalOffsets is not null;

    /// <summary>A 1-based (line, column) in <see cref="Text"/> mapped into the original condition.</summary>
    public (int Line, int Column) ToOriginal(string original, int line, int column)
    {
        if (originalOffsets is null) return (line, column);
        var offset = OffsetOf(Text, line, column);
        if (offset < 0) return (line, column);
        var originalOffset = offset < originalOffsets.Length ? originalOffsets[offset] : original.Length;
        var originalLine = 1;
        var lineStart = 0;
        for (var i = 0; i < originalOffset && i < original.Length; i++)
        {
            if (original[i] == '\n') { originalLine++; lineStart = i + 1; }
        }
        return (originalLine, originalOffset - lineStart + 1);
    }

    private static int OffsetOf(string text, int line, int column)
    {
        if (line < 1 || column < 1) return -1;
        var offset = 0;
        for (var current = 1; current < line; current++)
        {
            var next = text.IndexOf('\n', offset);
            if (next < 0) return -1;
            offset = next + 1;
        }
        return Math.Min(offset + column - 1, text.Length);
    }
}
