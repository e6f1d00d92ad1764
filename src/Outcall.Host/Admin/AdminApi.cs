using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Akka.Actor;
using Microsoft.AspNetCore.Http;
using Outcall.Cluster;
using Outcall.Rules;
using Outcall.Rules.Cel;
using Outcall.Telemetry;

namespace Outcall.Host.Admin;

/// <summary>What the admin API reads and asks: the rule-engine actor, the metrics and the node's state.</summary>
/// <remarks><paramref name="Cluster"/> is the node's <see cref="RuleReplicator"/>, null when clustering is off;
/// <paramref name="Scrape"/> answers /metrics (Telemetry.MetricsExport.ScrapeHandler), null when this API serves none.</remarks>
public sealed record AdminBackend(IActorRef RuleEngine, ProxyMetrics Metrics, NodeState State, IPEndPoint ProxyEndpoint, TimeSpan AskTimeout,
    IActorRef? Cluster = null, RequestDelegate? Scrape = null);

/// <summary>
/// The admin HTTP API, routed by hand (a handful of fixed paths) so nothing logs or binds more than
/// it should. Every /api/* answer is the envelope {"success","data","error"}. Only loopback Host
/// names are served (DNS-rebinding defence). Error texts never echo request bodies or queries.
/// </summary>
public sealed class AdminApi(AdminBackend backend)
{
    /// <summary>Largest request body read; Kestrel refuses larger ones before we see them.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
    };

    private static readonly JsonDocumentOptions RequestJson = new() { MaxDepth = 16, CommentHandling = JsonCommentHandling.Disallow };
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private sealed record Envelope(bool Success, object? Data, string? Error);

    public sealed record ProxyStatus(bool Listening, string ListenAddress, long ActiveConnections, long ActiveTunnels, long TotalRequests, long TotalBlocked);

    public sealed record RuleView(string Id, string File, int Line, string Action, int Priority, bool Log, string? Description, string Condition, bool AllowPrivateIps);

    public sealed record RulesView(string Hash, DateTimeOffset LoadedAt, string Directory, IReadOnlyList<RuleView> Rules);

    public sealed record ReloadView(bool Succeeded, int RuleCount, string Hash, IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings);

    public sealed record EvaluationView(string Decision, string? RuleId, string? File, string Reason);

    /// <summary>A failure to answer: the HTTP status and the envelope's error text.</summary>
    private sealed class AdminError(int status, string message) : Exception(message)
    {
        public int Status { get; } = status;
    }

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "";
        var api = path.StartsWith("/api/", StringComparison.Ordinal);
        try
        {
            if (!IsLoopbackHost(request.Host))
                throw new AdminError(StatusCodes.Status403Forbidden, "the admin API answers only Host localhost, 127.0.0.1 or [::1]");
            await RouteAsync(context, path).ConfigureAwait(false);
        }
        catch (AdminError e)
        {
            if (api) await WriteEnvelopeAsync(context, e.Status, new Envelope(false, null, e.Message)).ConfigureAwait(false);
            else await WriteTextAsync(context, e.Status, e.Message + "\n").ConfigureAwait(false);
        }
    }

    /// <summary>The Host header's name, without the port: only loopback names pass.</summary>
    internal static bool IsLoopbackHost(HostString host) =>
        host.HasValue && (string.Equals(host.Host, "localhost", StringComparison.OrdinalIgnoreCase) || host.Host is "127.0.0.1" or "[::1]");

    private Task RouteAsync(HttpContext context, string path)
    {
        const string rulePrefix = "/api/v1/rule/";
        return path switch
        {
            "/api/v1/proxy" => Only(context, "GET", ProxyAsync),
            "/api/v1/rules" => Only(context, "GET", RulesAsync),
            "/api/v1/rules/reload" => Only(context, "POST", ReloadAsync),
            "/api/v1/cluster" => Only(context, "GET", ClusterAsync),
            "/api/v1/rule/evaluate" when context.Request.Method != "GET" => Only(context, "POST", EvaluateAsync),
            "/api/v1/rule/test" when context.Request.Method != "GET" => Only(context, "POST", TestAsync),
            _ when path.StartsWith(rulePrefix, StringComparison.Ordinal) && path.Length > rulePrefix.Length
                => Only(context, "GET", c => RuleAsync(c, path[rulePrefix.Length..])),
            "/ready" => Only(context, "GET", ReadyAsync),
            "/metrics" when backend.Scrape is { } scrape => Only(context, "GET", c => scrape(c)),
            _ => throw new AdminError(StatusCodes.Status404NotFound, "no such admin endpoint"),
        };
    }

    private static Task Only(HttpContext context, string method, Func<HttpContext, Task> handle)
    {
        if (context.Request.Method == method || (method == "GET" && context.Request.Method == "HEAD")) return handle(context);
        context.Response.Headers.Allow = method == "GET" ? "GET, HEAD" : method;
        throw new AdminError(StatusCodes.Status405MethodNotAllowed, $"use {method}");
    }

    private Task ProxyAsync(HttpContext context)
    {
        var metrics = backend.Metrics;
        var status = new ProxyStatus(backend.State.Listening, backend.ProxyEndpoint.ToString(), metrics.ActiveConnections,
            metrics.ActiveTunnels, metrics.TotalRequests, metrics.TotalBlocked);
        return OkAsync(context, status);
    }

    private async Task RulesAsync(HttpContext context)
    {
        var set = await AskEngineAsync<RuleSet>(RuleEngine.GetRuleSet.Instance, context.RequestAborted).ConfigureAwait(false);
        await OkAsync(context, new RulesView(set.ContentHash, set.LoadedAt, set.Directory, set.Rules.Select(View).ToList())).ConfigureAwait(false);
    }

    private async Task RuleAsync(HttpContext context, string id)
    {
        var set = await AskEngineAsync<RuleSet>(RuleEngine.GetRuleSet.Instance, context.RequestAborted).ConfigureAwait(false);
        var rule = set.Rules.FirstOrDefault(r => r.Id == id) ?? throw new AdminError(StatusCodes.Status404NotFound, "no rule with that id");
        await OkAsync(context, View(rule)).ConfigureAwait(false);
    }

    private async Task ReloadAsync(HttpContext context)
    {
        var reload = await AskEngineAsync<RuleEngine.ReloadResult>(RuleEngine.Reload.Instance, context.RequestAborted).ConfigureAwait(false);
        var view = new ReloadView(reload.Succeeded, reload.Active.Rules.Count, reload.Active.ContentHash,
            reload.Load.Errors.Select(e => e.ToString()).ToList(), reload.Load.Warnings.Select(w => w.ToString()).ToList());
        if (reload.Succeeded) await OkAsync(context, view).ConfigureAwait(false);
        else
            await WriteEnvelopeAsync(context, StatusCodes.Status422UnprocessableEntity,
                new Envelope(false, view, $"rule set rejected with {reload.Load.Errors.Count} error(s); the active set is kept")).ConfigureAwait(false);
    }

    private async Task ClusterAsync(HttpContext context)
    {
        if (backend.Cluster is not { } cluster)
            throw new AdminError(StatusCodes.Status404NotFound, "clustering is off on this node (outcall.cluster.enabled)");
        var fleet = await AskAsync<FleetStatus>(cluster, "cluster", RuleReplicator.GetFleetStatus.Instance, context.RequestAborted).ConfigureAwait(false);
        await OkAsync(context, fleet).ConfigureAwait(false);
    }

    private async Task EvaluateAsync(HttpContext context)
    {
        var body = await ReadBodyAsync(context).ConfigureAwait(false);
        EvaluationContext evaluationContext;
        try
        {
            evaluationContext = EvaluationContextJson.Parse(body);
        }
        catch (FormatException e)
        {
            throw new AdminError(StatusCodes.Status400BadRequest, e.Message);
        }
        var evaluation = await AskEngineAsync<RuleEvaluation>(new RuleEngine.Evaluate(evaluationContext), context.RequestAborted).ConfigureAwait(false);
        var verdict = evaluation.Verdict;
        await OkAsync(context, new EvaluationView(verdict.IsAllowed ? "allow" : "block", verdict.RuleId, verdict.File, verdict.Reason))
            .ConfigureAwait(false);
    }

    private async Task TestAsync(HttpContext context)
    {
        var (expression, contextJson) = ParseTestRequest(await ReadBodyAsync(context).ConfigureAwait(false));
        EvaluationContext evaluationContext;
        try
        {
            evaluationContext = EvaluationContextJson.Parse(contextJson);
        }
        catch (FormatException e)
        {
            throw new AdminError(StatusCodes.Status400BadRequest, e.Message);
        }
        CelProgram program;
        try
        {
            program = CelCompiler.Compile(expression, EvaluationContext.Environment);
        }
        catch (CelCompileException e)
        {
            throw new AdminError(StatusCodes.Status422UnprocessableEntity, $"compile error at {e.Line}:{e.Column}: {e.Message}");
        }
        var result = program.Evaluate(evaluationContext);
        if (result.IsError) throw new AdminError(StatusCodes.Status422UnprocessableEntity, $"runtime error: {result.Error}");
        await OkAsync(context, new JsonObject { ["result"] = ToJson(result.Value) }).ConfigureAwait(false);
    }

    /// <summary>{"expression": string, "context": object (optional)}; anything else is a 400.</summary>
    private static (string Expression, string ContextJson) ParseTestRequest(string body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, RequestJson);
        }
        catch (JsonException e)
        {
            throw new AdminError(StatusCodes.Status400BadRequest, $"body is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new AdminError(StatusCodes.Status400BadRequest, "body must be an object with \"expression\" and \"context\"");
            string? expression = null;
            var contextJson = "{}";
            foreach (var field in root.EnumerateObject())
            {
                switch (field.Name)
                {
                    case "expression" when field.Value.ValueKind == JsonValueKind.String && expression is null:
                        expression = field.Value.GetString()!;
                        break;
                    case "expression":
                        throw new AdminError(StatusCodes.Status400BadRequest, "\"expression\" must be one string");
                    case "context":
                        contextJson = field.Value.GetRawText();
                        break;
                    default:
                        throw new AdminError(StatusCodes.Status400BadRequest, "body has an unknown field; expected \"expression\" and \"context\"");
                }
            }
            return (expression ?? throw new AdminError(StatusCodes.Status400BadRequest, "\"expression\" is required"), contextJson);
        }
    }

    /// <summary>A CEL value as JSON: maps by their keys' text, bytes as base64, non-finite doubles as text.</summary>
    private static JsonNode? ToJson(object? value) => value switch
    {
        null => null,
        bool b => JsonValue.Create(b),
        long l => JsonValue.Create(l),
        ulong u => JsonValue.Create(u),
        double d when double.IsFinite(d) => JsonValue.Create(d),
        double d => JsonValue.Create(d.ToString(CultureInfo.InvariantCulture)),
        string s => JsonValue.Create(s),
        byte[] bytes => JsonValue.Create(Convert.ToBase64String(bytes)),
        IReadOnlyDictionary<string, string> map => new JsonObject(map.Select(e => KeyValuePair.Create(e.Key, (JsonNode?)JsonValue.Create(e.Value)))),
        IReadOnlyDictionary<object, object?> map => MapToJson(map),
        System.Collections.IEnumerable list => new JsonArray(list.Cast<object?>().Select(ToJson).ToArray()),
        _ => JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)),
    };

    // Keys of different types may print alike (1 and "1"); the first one wins rather than throwing.
    private static JsonObject MapToJson(IReadOnlyDictionary<object, object?> map)
    {
        var json = new JsonObject();
        foreach (var (key, item) in map) json.TryAdd(Convert.ToString(key, CultureInfo.InvariantCulture) ?? "null", ToJson(item));
        return json;
    }

    private async Task ReadyAsync(HttpContext context)
    {
        var state = backend.State;
        if (state.Ready) await WriteTextAsync(context, StatusCodes.Status200OK, "ready\n").ConfigureAwait(false);
        else await WriteTextAsync(context, StatusCodes.Status503ServiceUnavailable, state.Draining ? "draining\n" : "not listening\n").ConfigureAwait(false);
    }

    private Task<T> AskEngineAsync<T>(object message, CancellationToken cancellationToken) =>
        AskAsync<T>(backend.RuleEngine, "rule engine", message, cancellationToken);

    private async Task<T> AskAsync<T>(IActorRef actor, string what, object message, CancellationToken cancellationToken)
    {
        try
        {
            return await actor.Ask<T>(message, backend.AskTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            throw new AdminError(StatusCodes.Status503ServiceUnavailable,
                $"{what} did not answer within {backend.AskTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A failed or restarting actor replies with a failure, and a dead one never replies.
            throw new AdminError(StatusCodes.Status503ServiceUnavailable, $"{what} unavailable");
        }
    }

    /// <summary>The whole body as strict UTF-8, at most <see cref="MaxBodyBytes"/>.</summary>
    private static async Task<string> ReadBodyAsync(HttpContext context)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        try
        {
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > MaxBodyBytes) throw new AdminError(StatusCodes.Status413PayloadTooLarge, $"body over {MaxBodyBytes} bytes");
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e)
        {
            throw new AdminError(e.StatusCode, "unreadable request body");
        }
        try
        {
            return StrictUtf8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
        catch (DecoderFallbackException)
        {
            throw new AdminError(StatusCodes.Status400BadRequest, "body is not UTF-8");
        }
    }

    private static RuleView View(CompiledRule rule) => new(rule.Id, rule.File, rule.Line, rule.Action == RuleAction.Allow ? "allow" : "block",
        rule.Priority, rule.Log, rule.Description, rule.Condition, rule.AllowPrivateIps);

    private static Task OkAsync(HttpContext context, object data) =>
        WriteEnvelopeAsync(context, StatusCodes.Status200OK, new Envelope(true, data, null));

    private static async Task WriteEnvelopeAsync(HttpContext context, int status, Envelope envelope)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(JsonSerializer.Serialize(envelope, Json), context.RequestAborted).ConfigureAwait(false);
    }

    private static Task WriteTextAsync(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(text, context.RequestAborted);
    }
}
