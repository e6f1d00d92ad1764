using System.Security.Cryptography;
using System.Text;
using Outcall.Rules.Cel;

namespace Outcall.Rules;

public static class RuleSetLoader
{
    /// <summary>Rule files are hand-written; anything this large is a mistake or an attack.</summary>
    internal const int MaxFileBytes = 4 * 1024 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>At most this many files in a set given as sources (a directory is bounded by the file system).</summary>
    internal const int MaxSourceFiles = 1000;

    /// <summary>
    /// Loads every *.yaml / *.yml in <paramref name="directory"/>; never throws for bad input.
    /// Every problem in every file is reported; the set is returned only when there are none.
    /// A missing or empty directory is a valid, empty set, which blocks everything (S003).
    /// </summary>
    public static RuleLoadResult Load(string directory) => Load(directory, RuleLoadOptions.Default);

    /// <inheritdoc cref="Load(string)"/>
    /// <param name="options">Whether this node has a CA, without which an intercept rule is an error (S011-FR-004).</param>
    public static RuleLoadResult Load(string directory, RuleLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(options);
        var diagnostics = new LoadDiagnostics();
        var names = ListRuleFiles(directory, diagnostics);
        return Compile(names, name => ReadText(directory, name, diagnostics), directory, options, diagnostics);
    }

    /// <summary>
    /// Loads a set given as file texts (a set replicated from another node) exactly as <see cref="Load"/>
    /// loads a directory holding those files: same order, same checks, same content hash. The files are
    /// untrusted input: names that are not plain *.yaml / *.yml names, duplicates and oversized files are
    /// reported as errors, never thrown. <paramref name="origin"/> is recorded as the set's directory.
    /// </summary>
    public static RuleLoadResult LoadSources(IReadOnlyList<RuleFile> files, string origin) => LoadSources(files, origin, RuleLoadOptions.Default);

    /// <inheritdoc cref="LoadSources(IReadOnlyList{RuleFile}, string)"/>
    /// <param name="options">This node's options: a set replicated from a node with a CA is refused by one without.</param>
    public static RuleLoadResult LoadSources(IReadOnlyList<RuleFile> files, string origin, RuleLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(origin);
        var diagnostics = new LoadDiagnostics();
        var contents = new Dictionary<string, string>(StringComparer.Ordinal);
        if (files.Count > MaxSourceFiles)
            diagnostics.Error(origin, 0, 0, null, $"the set has {files.Count} files, more than {MaxSourceFiles}");
        else
        {
            foreach (var file in files)
            {
                if (!IsPlainRuleFileName(file.Name))
                    diagnostics.Error(LoadDiagnostics.Quote(file.Name), 0, 0, null, "not a plain *.yaml or *.yml file name");
                else if (!contents.TryAdd(file.Name, file.Content))
                    diagnostics.Error(file.Name, 0, 0, null, "the set holds two files of this name");
            }
        }
        var names = contents.Keys.Order(StringComparer.Ordinal).ToList();
        return Compile(names, name => CheckSize(name, contents[name], diagnostics), origin, options, diagnostics);
    }

    /// <summary>Parses, expands and compiles the named files in order; <paramref name="read"/> gives each file's text or null after reporting why not.</summary>
    private static RuleLoadResult Compile(IReadOnlyList<string> names, Func<string, string?> read, string origin, RuleLoadOptions options, LoadDiagnostics diagnostics)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var sources = new List<RuleFile>(names.Count);
        var loaded = new List<(CompiledRule Rule, int FileIndex, int Position)>();
        var firstDefinedAt = new Dictionary<string, (string File, int Line)>(StringComparer.Ordinal);

        for (var fileIndex = 0; fileIndex < names.Count; fileIndex++)
        {
            var name = names[fileIndex];
            var firstError = diagnostics.Errors.Count;
            if (read(name) is not { } content) continue;
            AppendToHash(hash, name, content);
            sources.Add(new RuleFile(name, content));
            var text = content.Length > 0 && content[0] == '\uFEFF' ? content[1..] : content;
            var source = RuleFileParser.Parse(name, text, options, diagnostics);
            var expander = new DefinitionExpander(name, source.Definitions, diagnostics);
            for (var position = 0; position < source.Rules.Count; position++)
            {
                var rule = source.Rules[position];
                if (firstDefinedAt.TryGetValue(rule.Id, out var first))
                    diagnostics.Error(name, rule.Line, rule.Column, rule.Id, $"duplicate rule id: already defined in {first.File}:{first.Line}");
                else
                    firstDefinedAt[rule.Id] = (name, rule.Line);
                if (Compile(rule, name, expander, diagnostics) is { } compiled) loaded.Add((compiled, fileIndex, position));
            }
            expander.WarnAboutUnused();
            if (source.Definitions.Count > 0 && source.Rules.Count == 0)
                diagnostics.Warning(name, 0, "file has definitions but no rules; definitions are file-scoped, so nothing can use them");
            diagnostics.OrderByPositionFrom(firstError);
        }

        var result = diagnostics.HasErrors
            ? null
            : new RuleSet(
                loaded.OrderBy(r => r.Rule.Priority).ThenBy(r => r.FileIndex).ThenBy(r => r.Position).Select(r => r.Rule).ToArray(),
                Convert.ToHexStringLower(hash.GetHashAndReset()), origin, DateTimeOffset.UtcNow);
        return new RuleLoadResult(result, diagnostics.Errors, diagnostics.Warnings) { Files = names, Sources = sources };
    }

    private static bool IsRuleFileName(string name) =>
        name.EndsWith(".yaml", StringComparison.Ordinal) || name.EndsWith(".yml", StringComparison.Ordinal);

    /// <summary>A name a directory listing could have produced: a rule file name with no path or control characters in it.</summary>
    private static bool IsPlainRuleFileName(string name) =>
        name.Length is > 0 and <= 255 && IsRuleFileName(name) && name[0] != '.'
        && name.IndexOfAny(['/', '\\', ':']) < 0 && !name.Any(char.IsControl);

    /// <summary>
    /// Length-prefixed name and content bytes, so no two different (name, content) sequences hash alike.
    /// Strict UTF-8 round-trips, so this is the hash of the bytes on disk.
    /// </summary>
    private static void AppendToHash(IncrementalHash hash, string name, string content)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var contentBytes = Encoding.UTF8.GetBytes(content);
        Span<byte> length = stackalloc byte[8];
        BitConverter.TryWriteBytes(length, (long)nameBytes.Length);
        hash.AppendData(length);
        hash.AppendData(nameBytes);
        BitConverter.TryWriteBytes(length, (long)contentBytes.Length);
        hash.AppendData(length);
        hash.AppendData(contentBytes);
    }

    private static string? CheckSize(string name, string content, LoadDiagnostics diagnostics)
    {
        if (Encoding.UTF8.GetByteCount(content) <= MaxFileBytes) return content;
        ReportTooLarge(name, diagnostics);
        return null;
    }

    private static void ReportTooLarge(string name, LoadDiagnostics diagnostics) =>
        diagnostics.Error(name, 0, 0, null, $"file is larger than {MaxFileBytes / (1024 * 1024)} MiB");

    private static List<string> ListRuleFiles(string directory, LoadDiagnostics diagnostics)
    {
        try
        {
            if (!Directory.Exists(directory))
            {
                if (File.Exists(directory)) diagnostics.Error(directory, 0, 0, null, "the rules path is a file, not a directory");
                return [];
            }
            return Directory.EnumerateFiles(directory)
                .Select(Path.GetFileName)
                .OfType<string>()
                .Where(IsRuleFileName)
                .Order(StringComparer.Ordinal)
                .ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            diagnostics.Error(directory, 0, 0, null, $"cannot list the rules directory: {e.Message}");
            return [];
        }
    }

    /// <summary>The file's text as decoded (a byte order mark kept); null after reporting why not.</summary>
    private static string? ReadText(string directory, string name, LoadDiagnostics diagnostics)
    {
        byte[] bytes;
        try
        {
            using var stream = new FileStream(Path.Combine(directory, name), FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            if (stream.Length > MaxFileBytes)
            {
                ReportTooLarge(name, diagnostics);
                return null;
            }
            bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            diagnostics.Error(name, 0, 0, null, $"cannot read file: {e.Message}");
            return null;
        }

        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            diagnostics.Error(name, 0, 0, null, "file is not valid UTF-8");
            return null;
        }
    }

    private static CompiledRule? Compile(RuleSource rule, string file, DefinitionExpander expander, LoadDiagnostics diagnostics)
    {
        if (rule.Condition is not { } condition) return null;
        if (expander.ExpandCondition(condition.Text, rule.Id, condition.Line) is not { } expanded) return null;

        CelProgram program;
        try
        {
            program = CelCompiler.Compile(expanded.Text, EvaluationContext.Environment);
        }
        catch (CelCompileException e)
        {
            var (line, column) = expanded.ToOriginal(condition.Text, e.Line, e.Column);
            var (fileLine, fileColumn) = condition.Map.ToFile(line, column);
            var where = expanded.UsesDefinitions ? " (CEL's position is in the condition with definitions expanded)" : "";
            diagnostics.Error(file, fileLine, fileColumn, rule.Id, $"CEL error: {e.Message}{where}");
            return null;
        }
        catch (Exception e)
        {
            // A compiler bug must not take the loader (and so the proxy's reload) down with it.
            diagnostics.Error(file, condition.Line, 0, rule.Id, $"CEL compiler failed ({e.GetType().Name}): {e.Message}");
            return null;
        }

        if (program.ResultType != CelType.Bool && program.ResultType != CelType.Dyn)
        {
            var (line, column) = condition.Map.ToFile(1, 1);
            diagnostics.Error(file, line, column, rule.Id, $"condition must be boolean, but its type is {program.ResultType}");
            return null;
        }

        return new CompiledRule(
            rule.Id, file, rule.Line, rule.Action, rule.Priority, rule.Log, rule.Description,
            rule.AllowPrivateIps, condition.Text, expanded.Text, program, rule.Mode);
    }
}
