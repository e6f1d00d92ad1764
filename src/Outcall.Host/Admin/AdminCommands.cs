using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Outcall.Host.Cli;

namespace Outcall.Host.Admin;

/// <summary>
/// `outcall proxy status`, `outcall rules reload`, `outcall cluster status` and the leaf count of `outcall ca status`:
/// clients of a running node's admin API.
/// Exit codes: 0 fine, 1 the node cannot be reached or refused (a rejected rule set included).
/// </summary>
public static class AdminCommands
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(15);

    /// <summary>The --admin flag: http://HOST:PORT, or HOST:PORT.</summary>
    public static Uri ParseAdminUrl(string flag)
    {
        var text = flag.Contains("://", StringComparison.Ordinal) ? flag : "http://" + flag;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp
            || uri.PathAndQuery != "/" || uri.UserInfo.Length > 0 || uri.Fragment.Length > 0 || !HasValidHost(uri))
            throw new UsageException("--admin must be http://HOST:PORT");
        return uri;
    }

    /// <summary>Uri accepts host names that IDN refuses, and HttpClient would then throw while sending.</summary>
    private static bool HasValidHost(Uri uri)
    {
        try
        {
            return uri.IdnHost.Length > 0;
        }
        catch (UriFormatException)
        {
            return false;
        }
    }

    /// <summary>The --admin flag's address, else the configured admin API's; with the configured token (outcall.admin.token) either way.</summary>
    public static AdminTarget Target(string? adminFlag, string? configFile)
    {
        var settings = AdminSettings.Create(ConfigLayers.Load(configFile));
        return new AdminTarget(adminFlag is not null ? ParseAdminUrl(adminFlag) : BaseUri(settings), settings.Token);
    }

    /// <summary>
    /// The admin API of a node run with <paramref name="settings"/>. An unspecified listen address
    /// (0.0.0.0, [::]) is reached on loopback, the only Host the API serves.
    /// </summary>
    public static Uri BaseUri(AdminSettings settings)
    {
        if (settings.Listen is not { } listen)
            throw new StartupException("the admin API is disabled (outcall.admin.listen is empty); pass --admin URL");
        var address = listen.Address.Equals(IPAddress.Any) ? IPAddress.Loopback
            : listen.Address.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback
            : listen.Address;
        return new Uri($"http://{new IPEndPoint(address, listen.Port)}/");
    }

    public static async Task<int> ProxyStatusAsync(AdminTarget admin, TextWriter stdout, TextWriter stderr)
    {
        var answer = await CallAsync(admin, HttpMethod.Get, "api/v1/proxy", stderr).ConfigureAwait(false);
        if (answer is not { } envelope) return 1;
        using (envelope.Document)
        {
            if (!envelope.Success) return Refused(envelope, stderr);
            var fields = envelope.Data.EnumerateObject().Select(p => (p.Name, Value: Scalar(p.Value))).ToList();
            var width = fields.Count == 0 ? 0 : fields.Max(f => f.Name.Length) + 1;
            foreach (var (name, value) in fields) stdout.WriteLine($"{(name + ":").PadRight(width)} {value}");
            return 0;
        }
    }

    public static async Task<int> RulesReloadAsync(AdminTarget admin, TextWriter stdout, TextWriter stderr)
    {
        var answer = await CallAsync(admin, HttpMethod.Post, "api/v1/rules/reload", stderr).ConfigureAwait(false);
        if (answer is not { } envelope) return 1;
        using (envelope.Document)
        {
            if (envelope.Data.ValueKind != JsonValueKind.Object) return Refused(envelope, stderr);
            var data = envelope.Data;
            foreach (var warning in Strings(data, "warnings")) stderr.WriteLine($"warning: {warning}");
            var kept = $"{Scalar(data.GetProperty("rule_count"))} rules, hash {Scalar(data.GetProperty("hash"))}";
            if (envelope.Success)
            {
                stdout.WriteLine($"reloaded: {kept}");
                return 0;
            }
            foreach (var error in Strings(data, "errors")) stderr.WriteLine($"error: {error}");
            stderr.WriteLine($"outcall: reload rejected; still active: {kept}");
            return 1;
        }
    }

    /// <summary>One line per member: address, membership status, reachability, roles, then its rule set and counters.</summary>
    public static async Task<int> ClusterStatusAsync(AdminTarget admin, TextWriter stdout, TextWriter stderr)
    {
        var answer = await CallAsync(admin, HttpMethod.Get, "api/v1/cluster", stderr).ConfigureAwait(false);
        if (answer is not { } envelope) return 1;
        using (envelope.Document)
        {
            if (!envelope.Success) return Refused(envelope, stderr);
            var data = envelope.Data;
            stdout.WriteLine($"self:   {Field(data, "self")}");
            stdout.WriteLine($"leader: {Field(data, "leader")}");
            var rows = new List<string[]> { new[] { "ADDRESS", "STATUS", "ROLES", "RULES", "HASH", "FROM", "VERSION", "REQUESTS", "BLOCKED" } };
            var problems = new List<string>();
            foreach (var member in Items(data, "members"))
            {
                var address = Field(member, "address");
                var status = Field(member, "status") + (Field(member, "reachable") == "false" ? " (unreachable)" : "");
                var roles = string.Join(",", Strings(member, "roles"));
                if (member.TryGetProperty("node", out var node) && node.ValueKind == JsonValueKind.Object)
                {
                    var hash = Field(node, "rule_set_hash");
                    rows.Add([address, status, roles, Field(node, "rule_count"), hash.Length > 12 ? hash[..12] : hash, Field(node, "rules_from"),
                        Field(node, "rule_set_version"), Field(node, "total_requests"), Field(node, "total_blocked")]);
                    if (node.TryGetProperty("rejected", out var rejected) && rejected.ValueKind == JsonValueKind.Object)
                        problems.Add($"{address} refused rule set {Field(rejected, "version")}: {string.Join("; ", Strings(rejected, "errors"))}");
                    if (Field(node, "not_replicated") is { Length: > 0 } notReplicated) problems.Add($"{address}: {notReplicated}");
                }
                else rows.Add([address, status, roles, "", "", "", "(no report yet)", "", ""]);
            }
            var widths = Enumerable.Range(0, rows[0].Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
            foreach (var row in rows) stdout.WriteLine(string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
            foreach (var problem in problems) stdout.WriteLine($"problem: {problem}");
            return 0;
        }
    }

    /// <summary>
    /// S011-IF-012 for `ca status`: the node's CA and leaf cache, or why they are not known (not reachable, the admin
    /// API answers without this endpoint). Never fails: the files are described either way.
    /// </summary>
    public static async Task<NodeLeaves> InterceptionAsync(AdminTarget admin)
    {
        var (envelope, problem, status) = await TryCallAsync(admin, HttpMethod.Get, "api/v1/proxy/intercept").ConfigureAwait(false);
        using (envelope?.Document)
        {
            // A node of a version without the endpoint.
            if (status == HttpStatusCode.NotFound)
                return new NodeLeaves.Unknown($"the node at {admin} does not report its leaves (no GET /api/v1/proxy/intercept)");
            if (envelope is null) return new NodeLeaves.Unknown(problem!);
            if (!envelope.Success) return new NodeLeaves.Unknown($"the node at {admin} refused: {envelope.Error}");
            var data = envelope.Data;
            try
            {
                return new NodeLeaves.Reported(admin.BaseUri, data.GetProperty("ca_loaded").GetBoolean(), Field(data, "fingerprint_sha256"),
                    data.GetProperty("leaf_cache_size").GetInt32(), data.GetProperty("leaf_cache_max").GetInt32());
            }
            catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
            {
                return new NodeLeaves.Unknown($"unexpected answer from the admin API at {admin}");
            }
        }
    }

    internal sealed record Envelope(JsonDocument Document, bool Success, JsonElement Data, string? Error);

    /// <summary>One request; null (the reason printed as one line) when there is no envelope to read.</summary>
    internal static async Task<Envelope?> CallAsync(AdminTarget admin, HttpMethod method, string path, TextWriter stderr)
    {
        var (envelope, problem, _) = await TryCallAsync(admin, method, path).ConfigureAwait(false);
        if (envelope is null) stderr.WriteLine($"outcall: {problem}");
        return envelope;
    }

    /// <summary>One request: the envelope, or why there is none (and the HTTP status, when there was an answer).</summary>
    private static async Task<(Envelope? Envelope, string? Problem, HttpStatusCode? Status)> TryCallAsync(AdminTarget admin, HttpMethod method, string path)
    {
        using var client = admin.CreateClient(RequestTimeout);
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(new HttpRequestMessage(method, path)).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            var reason = e.InnerException is SocketException socket ? socket.SocketErrorCode.ToString() : e.HttpRequestError.ToString();
            return (null, $"cannot reach the admin API at {admin}: {reason}", null);
        }
        catch (TaskCanceledException)
        {
            return (null, $"the admin API at {admin} did not answer within {RequestTimeout.TotalSeconds:0}s", null);
        }
        using (response)
        {
            JsonDocument? document = null;
            try
            {
                document = JsonDocument.Parse(await response.Content.ReadAsStringAsync().ConfigureAwait(false));
                var root = document.RootElement;
                var success = root.GetProperty("success").GetBoolean();
                var error = root.GetProperty("error");
                return (new Envelope(document, success, root.GetProperty("data"), error.ValueKind == JsonValueKind.String ? error.GetString() : null),
                    null, response.StatusCode);
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                document?.Dispose();
                return (null, $"unexpected answer from the admin API at {admin} (HTTP {(int)response.StatusCode})", response.StatusCode);
            }
        }
    }

    internal static int Refused(Envelope envelope, TextWriter stderr)
    {
        stderr.WriteLine($"outcall: {envelope.Error ?? "the admin API refused the request"}");
        return 1;
    }

    private static string Scalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null => "",
        _ => value.GetRawText(),
    };

    private static string Field(JsonElement data, string name) =>
        data.ValueKind == JsonValueKind.Object && data.TryGetProperty(name, out var value) ? Scalar(value) : "";

    private static IEnumerable<JsonElement> Items(JsonElement data, string name) =>
        data.ValueKind == JsonValueKind.Object && data.TryGetProperty(name, out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray()
            : [];

    private static IEnumerable<string> Strings(JsonElement data, string name) =>
        data.TryGetProperty(name, out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Select(Scalar)
            : [];
}
