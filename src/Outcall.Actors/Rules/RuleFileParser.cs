using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Outcall.Rules;

/// <summary>
/// Reads one rule file against the strict schema (S003): unknown keys, wrong types and unsupported
/// values are errors located by line and column; every problem in the file is reported.
/// </summary>
internal static class RuleFileParser
{
    /// <summary>The schema is three levels deep; anything far deeper is hostile, and would recurse in YamlDotNet.</summary>
    internal const int MaxNestingDepth = 16;
    internal const int DefaultPriority = 100;
    private const int MaxIdLength = 128;

    public static RuleFileSource Parse(string file, string text, RuleLoadOptions options, LoadDiagnostics diagnostics)
    {
        var empty = new RuleFileSource([], []);
        if (!PreScan(file, text, diagnostics)) return empty;

        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            diagnostics.Error(file, (int)e.Start.Line, (int)e.Start.Column, null, $"invalid YAML: {e.Message}");
            return empty;
        }

        if (stream.Documents.Count == 0)
        {
            diagnostics.Error(file, 0, 0, null, "empty file: 'version: \"1\"' is required");
            return empty;
        }
        if (stream.Documents.Count > 1)
        {
            var second = stream.Documents[1].RootNode;
            diagnostics.Error(file, (int)second.Start.Line, (int)second.Start.Column, null, "a rule file holds exactly one YAML document");
        }
        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            var node = stream.Documents[0].RootNode;
            diagnostics.Error(file, (int)node.Start.Line, (int)node.Start.Column, null, "the top level must be a mapping with version, definitions and rules");
            return empty;
        }
        return new Reader(file, text, options, diagnostics).ReadFile(root);
    }

    /// <summary>
    /// Walks the event stream once before building the document: reports syntax errors, refuses aliases
    /// (one alias can stand for a large subtree many times over, and the schema has no use for them)
    /// and bounds nesting, so the recursive document loader only ever sees small, shallow input.
    /// </summary>
    private static bool PreScan(string file, string text, LoadDiagnostics diagnostics)
    {
        var parser = new Parser(new StringReader(text));
        var depth = 0;
        try
        {
            while (parser.MoveNext())
            {
                switch (parser.Current)
                {
                    case AnchorAlias alias:
                        diagnostics.Error(file, (int)alias.Start.Line, (int)alias.Start.Column, null, "YAML aliases are not supported in rule files");
                        return false;
                    case MappingStart or SequenceStart when ++depth > MaxNestingDepth:
                        var start = parser.Current.Start;
                        diagnostics.Error(file, (int)start.Line, (int)start.Column, null, $"nested more than {MaxNestingDepth} levels deep");
                        return false;
                    case MappingEnd or SequenceEnd:
                        depth--;
                        break;
                }
            }
            return true;
        }
        catch (YamlException e)
        {
            diagnostics.Error(file, (int)e.Start.Line, (int)e.Start.Column, null, $"invalid YAML: {e.Message}");
            return false;
        }
    }

    private sealed class Reader(string file, string text, RuleLoadOptions options, LoadDiagnostics diagnostics)
    {
        private readonly string[] _lines = text.Replace("\r\n", "\n").Split('\n');

        public RuleFileSource ReadFile(YamlMappingNode root)
        {
            var sawVersion = false;
            var definitions = new List<DefinitionSource>();
            var rules = new List<RuleSource>();
            foreach (var (keyNode, value) in root.Children)
            {
                switch (KeyName(keyNode))
                {
                    case null: break;
                    case "version":
                        sawVersion = true;
                        // serde reads an unquoted 1 as the string "1" too, so both spellings are accepted.
                        if (value is not YamlScalarNode { Value: "1" })
                            Error(value, null, "unsupported version: only \"1\" is supported");
                        break;
                    case "definitions":
                        ReadDefinitions(value, definitions);
                        break;
                    case "rules":
                        ReadRules(value, rules);
                        break;
                    case var other:
                        Error(keyNode, null, $"unknown top-level key {LoadDiagnostics.Quote(other)} (expected version, definitions, rules)");
                        break;
                }
            }
            if (!sawVersion) Error(root, null, "missing 'version' (must be \"1\")");
            return new RuleFileSource(definitions, rules);
        }

        private void ReadDefinitions(YamlNode node, List<DefinitionSource> definitions)
        {
            if (IsNull(node)) return;
            if (node is not YamlMappingNode mapping)
            {
                Error(node, null, "'definitions' must be a mapping of name: CEL fragment");
                return;
            }
            foreach (var (keyNode, value) in mapping.Children)
            {
                var name = KeyName(keyNode);
                if (name is null) continue;
                if (!DefinitionExpander.IsName(name))
                {
                    Error(keyNode, null, $"definition name {LoadDiagnostics.Quote(name)} must be letters, digits and '_', not starting with a digit");
                    continue;
                }
                if (value is not YamlScalarNode { Value: { } fragment } scalar || IsNull(value) || string.IsNullOrWhiteSpace(fragment))
                {
                    Error(value, null, $"definition '${name}' must be a non-empty CEL fragment");
                    continue;
                }
                definitions.Add(new DefinitionSource(name, fragment, (int)keyNode.Start.Line, (int)scalar.Start.Column));
            }
        }

        private void ReadRules(YamlNode node, List<RuleSource> rules)
        {
            if (IsNull(node)) return;
            if (node is not YamlSequenceNode sequence)
            {
                Error(node, null, "'rules' must be a list of rules");
                return;
            }
            foreach (var item in sequence.Children)
            {
                if (item is not YamlMappingNode rule) Error(item, null, "each rule must be a mapping");
                else if (ReadRule(rule) is { } source) rules.Add(source);
            }
        }

        /// <summary>
        /// The rule, or null when it has no usable id. A rule with other errors is still returned (the load
        /// fails anyway), so its id takes part in the duplicate check and its condition still gets compiled.
        /// </summary>
        private RuleSource? ReadRule(YamlMappingNode rule)
        {
            YamlScalarNode? condition = null;
            RuleAction? action = null;
            YamlNode? egress = null;
            var priority = DefaultPriority;
            var log = false;
            var allowPrivateIps = false;
            var mode = EgressMode.Proxy;
            string? description = null;

            // The id first, so every other error about this rule can name it.
            var idValue = rule.Children.FirstOrDefault(child => child.Key is YamlScalarNode { Value: "id" }).Value;
            var id = idValue is null ? null : ReadId(idValue);
            foreach (var (keyNode, value) in rule.Children)
            {
                switch (KeyName(keyNode))
                {
                    case null or "id": break;
                    case "condition":
                        if (value is YamlScalarNode { Value: { } text } scalar && !IsNull(value) && !string.IsNullOrWhiteSpace(text)) condition = scalar;
                        else Error(value, id, "'condition' must be a non-empty CEL expression");
                        break;
                    case "action":
                        action = ReadAction(value, id);
                        break;
                    case "priority":
                        if (value is YamlScalarNode { Style: ScalarStyle.Plain, Value: { } number }
                            && int.TryParse(number, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
                            priority = parsed;
                        else Error(value, id, "'priority' must be an integer");
                        break;
                    case "log":
                        if (ReadBool(value) is { } flag) log = flag;
                        else Error(value, id, "'log' must be true or false");
                        break;
                    case "description":
                        if (value is YamlScalarNode { Value: { } words }) description = IsNull(value) ? null : words;
                        else Error(value, id, "'description' must be text");
                        break;
                    case "egress":
                        egress = value;
                        (allowPrivateIps, mode) = ReadEgress(value, id);
                        break;
                    case var other:
                        Error(keyNode, id, $"unknown rule key {LoadDiagnostics.Quote(other)} (expected id, condition, action, priority, log, description, egress)");
                        break;
                }
            }

            if (idValue is null) Error(rule, null, "missing 'id'");
            if (!HasKey(rule, "condition")) Error(rule, id, "missing 'condition'");
            if (!HasKey(rule, "action")) Error(rule, id, "missing 'action' (allow or block)");
            if (egress is not null && action == RuleAction.Block) Error(egress, id, "'egress' is only allowed on allow rules");
            if (id is null) return null;
            return new RuleSource(
                id, (int)rule.Start.Line, (int)rule.Start.Column, action ?? RuleAction.Block, priority, log, description,
                allowPrivateIps,
                condition is { Value: { } conditionText } ? new RuleCondition(conditionText, (int)condition.Start.Line, ConditionSourceMap.For(condition, conditionText, _lines)) : null,
                mode);
        }

        private static bool HasKey(YamlMappingNode mapping, string key) =>
            mapping.Children.Keys.Any(node => node is YamlScalarNode scalar && scalar.Value == key);

        private string? ReadId(YamlNode value)
        {
            if (value is not YamlScalarNode { Value: { Length: > 0 } id } || IsNull(value))
            {
                Error(value, null, "'id' must be a non-empty string");
                return null;
            }
            // The id travels in the X-Outcall-Block-Reason header (IF-004), so it must be header-safe.
            if (id.Length > MaxIdLength || id.Any(c => c is < '!' or > '~'))
            {
                Error(value, null, $"rule id {LoadDiagnostics.Quote(id)} must be 1-{MaxIdLength} visible ASCII characters without spaces");
                return null;
            }
            return id;
        }

        private RuleAction? ReadAction(YamlNode value, string? id)
        {
            switch ((value as YamlScalarNode)?.Value)
            {
                case "allow": return RuleAction.Allow;
                case "block": return RuleAction.Block;
                case "enrich":
                    Error(value, id, "action 'enrich' is not supported: Outcall's proxy only takes allow or block");
                    return null;
                default:
                    Error(value, id, "'action' must be allow or block");
                    return null;
            }
        }

        /// <summary>The private-address opt-in (FR-026) and the egress mode (S011-FR-003); the defaults after reporting an error.</summary>
        private (bool AllowPrivateIps, EgressMode Mode) ReadEgress(YamlNode node, string? id)
        {
            if (IsNull(node)) return (false, EgressMode.Proxy);
            if (node is not YamlMappingNode mapping)
            {
                Error(node, id, "'egress' must be a mapping");
                return (false, EgressMode.Proxy);
            }
            var allowPrivateIps = false;
            var mode = EgressMode.Proxy;
            foreach (var (keyNode, value) in mapping.Children)
            {
                switch (KeyName(keyNode))
                {
                    case null: break;
                    case "allow_private_ips":
                        if (ReadBool(value) is { } flag) allowPrivateIps = flag;
                        else Error(value, id, "'allow_private_ips' must be true or false");
                        break;
                    case "mode":
                        mode = ReadMode(value, id);
                        break;
                    case var other:
                        Error(keyNode, id, $"unknown egress key {LoadDiagnostics.Quote(other)} (expected mode, allow_private_ips)");
                        break;
                }
            }
            return (allowPrivateIps, mode);
        }

        /// <summary>proxy or intercept; intercept only where the node has a CA to sign with (S011-FR-004).</summary>
        private EgressMode ReadMode(YamlNode value, string? id)
        {
            switch ((value as YamlScalarNode)?.Value)
            {
                case "proxy": return EgressMode.Proxy;
                case "intercept":
                    if (!options.CaConfigured)
                        Error(value, id, "egress mode 'intercept' needs a CA: set outcall.intercept.ca-cert and ca-key (see `outcall ca init`)");
                    return EgressMode.Intercept;
                case { } other when value is YamlScalarNode && !IsNull(value):
                    Error(value, id, $"unknown egress mode {LoadDiagnostics.Quote(other)} (expected proxy or intercept)");
                    return EgressMode.Proxy;
                default:
                    Error(value, id, "'mode' must be proxy or intercept");
                    return EgressMode.Proxy;
            }
        }

        private static bool? ReadBool(YamlNode node) => node is YamlScalarNode { Style: ScalarStyle.Plain } scalar
            ? scalar.Value switch { "true" or "True" or "TRUE" => true, "false" or "False" or "FALSE" => false, _ => null }
            : null;

        /// <summary>The key's text, or null after reporting a key that is not a plain string.</summary>
        private string? KeyName(YamlNode key)
        {
            if (key is YamlScalarNode { Value: { } name } && !IsNull(key)) return name;
            Error(key, null, "keys must be strings");
            return null;
        }

        private static bool IsNull(YamlNode node) => node is YamlScalarNode { Style: ScalarStyle.Plain, Value: "" or "~" or "null" or "Null" or "NULL" };

        private void Error(YamlNode node, string? ruleId, string message) =>
            diagnostics.Error(file, (int)node.Start.Line, (int)node.Start.Column, ruleId, message);
    }
}
