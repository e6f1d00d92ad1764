using System.Globalization;
using System.Text;
using Outcall.Events;

namespace Outcall.Rules;

/// <summary>One verdict as `outcall rules suggest` reads it from the event stream.</summary>
/// <param name="Decision">ALLOW, BLOCK or WOULD_BLOCK.</param>
/// <param name="Cause">What decided: rule, default-policy, destination, engine-unavailable or admission.</param>
/// <param name="Method">The request's method; CONNECT for a tunnel.</param>
/// <param name="ServerName">The SNI the verdict judged, "" when the request itself was judged.</param>
/// <param name="RuleId">The rule that decided, "" for the default policy.</param>
public sealed record ObservedRequest(
    DateTimeOffset Time, string Decision, string Cause, string Agent, string Method, string Host, int Port, string ServerName, string RuleId = "")
{
    /// <summary>The name the rules saw as <c>network.hostname</c>: the SNI when the verdict judged one, else the host.</summary>
    public string Hostname => ServerName.Length > 0 ? ServerName : Host;

    public bool IsTunnel => string.Equals(Method, "CONNECT", StringComparison.OrdinalIgnoreCase);
}

/// <summary>What the suggester was asked for and drew from: for the file's header and the rules' scope.</summary>
/// <param name="Agent">When set, every rule is for this agent only (<c>agent.name == ...</c>).</param>
/// <param name="NotBefore">Events older than this are left out.</param>
/// <param name="Source">Where the events came from, for the header comment.</param>
public sealed record SuggestionRequest(string? Agent, DateTimeOffset? NotBefore, string Source);

/// <summary>
/// Drafts an Outcall rule file that allows what was observed (issue 15's `outcall rules suggest`): pure, no
/// actors, no I/O. Events the rules decided (allowed, blocked, would-block) count; refusals the rules cannot
/// lift (the destination guard, an engine timeout, admission) do not, and are counted in the header instead.
/// <list type="bullet">
/// <item>One allow rule per destination group and kind: tunnels (CONNECT, by port) and plain HTTP (by port and method).</item>
/// <item>Several host names under one registrable domain (<see cref="RegistrableDomain"/>) become one
/// <c>endsWith(".domain")</c> suffix (plus the domain itself when it was seen); a lone name stays exact.</item>
/// <item>Every rule has an id, a description and a comment saying what was seen, how often and when.</item>
/// </list>
/// </summary>
public static class RuleSuggester
{
    private static readonly string[] Judged = [TrafficEvent.Allow, TrafficEvent.Block, TrafficEvent.WouldBlock];
    private static readonly string[] RuleCauses = ["rule", "default-policy"];

    public static string Suggest(IEnumerable<ObservedRequest> events, SuggestionRequest request)
    {
        var inTime = events.Where(e => request.NotBefore is not { } from || e.Time >= from)
            .Where(e => request.Agent is null || string.Equals(e.Agent, request.Agent, StringComparison.Ordinal))
            .ToList();
        var usable = inTime.Where(Liftable).ToList();
        var unsafeNames = usable.Where(e => !SafeHost(e.Hostname) || (!e.IsTunnel && !SafeMethod(e.Method))).ToList();
        var drawn = usable.Except(unsafeNames).ToList();

        var file = new StringBuilder();
        file.Append("# Drafted by `outcall rules suggest` from ").Append(Count(drawn.Count, "event")).Append(" of ").Append(request.Source);
        if (request.Agent is { } agent) file.Append(" for agent ").Append(Printable(agent));
        if (request.NotBefore is { } notBefore) file.Append(" since ").Append(Stamp(notBefore));
        file.Append(".\n# It allows what was observed, nothing more general than the groups below: review it before loading it.\n");
        if (inTime.Count > usable.Count)
            file.Append("# Left out: ").Append(Count(inTime.Count - usable.Count, "refusal"))
                .Append(" no rule can lift (the destination guard, the engine timing out, admission).\n");
        if (unsafeNames.Count > 0)
            file.Append("# Left out: ").Append(Count(unsafeNames.Count, "event")).Append(" whose host name or method is not plain text.\n");
        file.Append("version: \"1\"\n");
        if (drawn.Count == 0)
        {
            file.Append("rules: []\n");
            return file.ToString();
        }

        file.Append("rules:\n");
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var group in drawn.GroupBy(e => (Domain: RegistrableDomain(e.Hostname), e.IsTunnel))
                     .OrderBy(g => g.Key.Domain, StringComparer.Ordinal).ThenBy(g => g.Key.IsTunnel))
            AppendRule(file, group.Key.Domain, group.Key.IsTunnel, group.ToList(), request.Agent, ids);
        return file.ToString();
    }

    /// <summary>The rules decided it, so a rule can allow it; a guard refusal or an engine timeout would stay refused.</summary>
    private static bool Liftable(ObservedRequest e) =>
        Judged.Contains(e.Decision, StringComparer.OrdinalIgnoreCase)
        && (string.Equals(e.Decision, TrafficEvent.Allow, StringComparison.OrdinalIgnoreCase) || RuleCauses.Contains(e.Cause, StringComparer.Ordinal))
        && e.Hostname.Length > 0 && e.Port is > 0 and <= 65535;

    private static void AppendRule(StringBuilder file, string domain, bool tunnel, List<ObservedRequest> seen, string? agent, HashSet<string> ids)
    {
        var hosts = seen.Select(e => e.Hostname.ToLowerInvariant()).Distinct().Order(StringComparer.Ordinal).ToList();
        var ports = seen.Select(e => e.Port).Distinct().Order().ToList();
        var methods = seen.Select(e => e.Method.ToUpperInvariant()).Distinct().Order(StringComparer.Ordinal).ToList();
        var grouped = hosts.Count > 1;

        var hostCondition = grouped
            ? (hosts.Contains(domain) ? $"network.hostname == {Cel(domain)} || " : "") + $"network.hostname.endsWith({Cel("." + domain)})"
            : $"network.hostname == {Cel(hosts[0])}";
        var condition = new StringBuilder(grouped && hosts.Contains(domain) ? $"({hostCondition})" : hostCondition);
        condition.Append(" && network.port ").Append(ports.Count == 1 ? $"== {ports[0].ToString(CultureInfo.InvariantCulture)}" : $"in [{string.Join(", ", ports)}]");
        condition.Append(" && http.method ").Append(tunnel ? "== \"CONNECT\"" : methods.Count == 1 ? $"== {Cel(methods[0])}" : $"in [{string.Join(", ", methods.Select(Cel))}]");
        if (agent is not null) condition.Append(" && agent.name == ").Append(Cel(agent));

        var blocked = seen.Count(e => !string.Equals(e.Decision, TrafficEvent.Allow, StringComparison.OrdinalIgnoreCase));
        var agents = seen.Select(e => e.Agent.Length == 0 ? "(unknown)" : Printable(e.Agent)).Distinct().Order(StringComparer.Ordinal);
        var what = tunnel ? "tunnels (CONNECT)" : $"plain HTTP {string.Join("/", methods)}";
        var where = grouped ? $"*.{domain}" : hosts[0];

        file.Append('\n');
        if (grouped) file.Append("  # ").Append(string.Join(", ", hosts)).Append(" share the registrable domain ").Append(domain).Append(": one suffix.\n");
        file.Append("  # Seen ").Append(Count(seen.Count, "time")).Append(" (").Append(blocked.ToString(CultureInfo.InvariantCulture))
            .Append(" blocked or would-block), ").Append(Stamp(seen.Min(e => e.Time))).Append(" to ").Append(Stamp(seen.Max(e => e.Time)))
            .Append(", agents: ").Append(string.Join(", ", agents)).Append(".\n");
        var blockRules = seen.Where(e => !string.Equals(e.Decision, TrafficEvent.Allow, StringComparison.OrdinalIgnoreCase) && e.Cause == "rule" && e.RuleId.Length > 0)
            .Select(e => Printable(e.RuleId)).Distinct().Order(StringComparer.Ordinal).ToList();
        if (blockRules.Count > 0)
            file.Append("  # Careful: block rule ").Append(string.Join(", ", blockRules))
                .Append(" refused some of these on purpose; keep it ahead of this one (lower priority) if it should stand.\n");
        file.Append("  - id: ").Append(UniqueId($"allow-{IdPart(grouped ? domain : hosts[0])}-{(tunnel ? "tunnels" : "http")}", ids)).Append('\n');
        file.Append("    description: ").Append(Yaml($"{what} to {where}, port {string.Join(", ", ports)}")).Append('\n');
        file.Append("    condition: ").Append(Yaml(condition.ToString())).Append('\n');
        file.Append("    action: allow\n");
    }

    /// <summary>
    /// The name one registers under a public suffix: the last two labels, or three under a multi-label public suffix
    /// (<c>co.uk</c>, <c>com.au</c>). A name under a hosting suffix whose subdomains belong to different owners
    /// (<c>github.io</c>, <c>herokuapp.com</c>) is its own domain, so those are never merged into one suffix; so are
    /// IP literals and single-label names.
    /// </summary>
    public static string RegistrableDomain(string hostname)
    {
        var host = hostname.ToLowerInvariant().TrimEnd('.');
        if (host.Contains(':', StringComparison.Ordinal) || System.Net.IPAddress.TryParse(host, out _)) return host;
        var labels = host.Split('.');
        if (labels.Length <= 2) return host;
        // Under a hosting suffix the owner is unknown (s3.amazonaws.com names buckets one level further down): never merged.
        if (SharedSuffixes.Contains($"{labels[^2]}.{labels[^1]}")) return host;
        var suffixLabels = labels[^1].Length == 2 && SecondLevels.Contains(labels[^2]) ? 2 : 1;
        return string.Join('.', labels[^(suffixLabels + 1)..]);
    }

    /// <summary>
    /// Second-level labels that country codes use as public suffixes (co.uk, com.au, ne.jp, gov.in ...): the common
    /// pattern of the Public Suffix List's ICANN section, kept small on purpose (see the README's dependency notes).
    /// </summary>
    private static readonly HashSet<string> SecondLevels = new(StringComparer.Ordinal)
    {
        "ac", "co", "com", "edu", "gov", "net", "org", "or", "ne", "go", "gob", "mil", "nic", "ltd", "plc", "sch", "nom", "info", "biz",
    };

    /// <summary>The last two labels of the hosting suffixes under which names have different owners (the usual ones of the Public Suffix List's private section).</summary>
    private static readonly HashSet<string> SharedSuffixes = new(StringComparer.Ordinal)
    {
        "github.io", "githubusercontent.com", "gitlab.io", "herokuapp.com", "herokudns.com", "appspot.com", "cloudfront.net",
        "azurewebsites.net", "azureedge.net", "windows.net", "web.app", "firebaseapp.com", "netlify.app", "vercel.app", "pages.dev",
        "workers.dev", "fly.dev", "onrender.com", "readthedocs.io", "blogspot.com", "ngrok.io", "ngrok-free.app", "amazonaws.com",
        "r2.dev", "deno.dev", "glitch.me", "repl.co", "surge.sh", "now.sh", "pythonanywhere.com", "duckdns.org", "no-ip.org",
    };

    private static bool SafeHost(string host) =>
        host.Length is > 0 and <= 253 && host.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or ':' or '[' or ']');

    private static bool SafeMethod(string method) => method.Length is > 0 and <= 32 && method.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>A domain or address as part of a rule id: letters, digits and single dashes.</summary>
    private static string IdPart(string domain) =>
        System.Text.RegularExpressions.Regex.Replace(domain.ToLowerInvariant(), "[^a-z0-9]+", "-").Trim('-');

    private static string UniqueId(string id, HashSet<string> ids)
    {
        var unique = id;
        for (var n = 2; !ids.Add(unique); n++) unique = $"{id}-{n.ToString(CultureInfo.InvariantCulture)}";
        return unique;
    }

    /// <summary>A CEL string literal: quote and backslash escaped, control characters as \u escapes.</summary>
    private static string Cel(string text)
    {
        var literal = new StringBuilder("\"");
        foreach (var c in text)
        {
            if (c is '"' or '\\') literal.Append('\\').Append(c);
            else if (char.IsControl(c)) literal.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            else literal.Append(c);
        }
        return literal.Append('"').ToString();
    }

    /// <summary>A YAML single-quoted scalar: nothing is an escape in it but a doubled quote.</summary>
    private static string Yaml(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>For comments: a name that could hold a line break or a control character printed safely.</summary>
    private static string Printable(string text) =>
        new(text.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '@' ? c : '?').ToArray());

    private static string Stamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Count(int count, string noun) => $"{count.ToString(CultureInfo.InvariantCulture)} {noun}{(count == 1 ? "" : "s")}";
}
