using System.Globalization;
using System.Net;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Outcall.Cluster;
using Outcall.Host.Telemetry;
using Outcall.Intercept;
using Outcall.Rules;
using Outcall.Rules.Cel;
using Outcall.Telemetry;

namespace Outcall.Host.Admin;

/// <summary>Where the proxy port is bound (the real port when 0 was asked for), for `GET /api/v1/proxy`.</summary>
public sealed record ProxyBinding(IPEndPoint Endpoint);

/// <summary>
/// The node's interception for `GET /api/v1/proxy/intercept` (S011-IF-012): whether a CA is configured, and the
/// services made from it once the actor system has set them up (null without a CA).
/// </summary>
public sealed class NodeInterception(bool caConfigured)
{
    private InterceptServices? _services;

    public bool CaConfigured { get; } = caConfigured;

    public InterceptServices? Services
    {
        get => Volatile.Read(ref _services);
        set => Volatile.Write(ref _services, value);
    }
}

/// <summary>
/// The admin API's routes (S003-IF-001..IF-005 and the node's own): every /api/v1 answer is the
/// envelope {"success","data","error"}. Actors come from Akka.Hosting's registry; error texts never
/// echo request bodies or queries.
/// </summary>
public static class AdminEndpoints
{
    private static readonly string[] GetOrHead = [HttpMethods.Get, HttpMethods.Head];

    public static void MapAdminEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").AddEndpointFilter(AnswerAdminErrors);
        api.MapMethods("/proxy", GetOrHead, Proxy);
        api.MapMethods("/proxy/intercept", GetOrHead, Intercept);
        api.MapMethods("/rules", GetOrHead, RulesAsync);
        api.MapPost("/rules/reload", ReloadAsync);
        api.MapMethods("/cluster", GetOrHead, ClusterAsync);
        api.MapPost("/rule/evaluate", EvaluateAsync);
        api.MapPost("/rule/test", TestAsync);
        api.MapMethods("/rule/{id}", GetOrHead, RuleAsync);
        api.MapEventEndpoints();
        app.MapMethods("/ready", GetOrHead, Ready);
        // The Prometheus scrape (OpenTelemetry's exporter, on services that ran AddOutcallMetrics), behind the same Host rule.
        app.MapOutcallMetrics();
    }

    private static async ValueTask<object?> AnswerAdminErrors(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context).ConfigureAwait(false);
        }
        catch (AdminError e)
        {
            return AdminEnvelope.Fail(e.Status, e.Message, e.Payload);
        }
    }

    private static IResult Proxy(ProxyMetrics metrics, NodeState state, ProxyBinding proxy) =>
        AdminEnvelope.Ok(new AdminViews.ProxyStatus(state.Listening, proxy.Endpoint.ToString(), metrics.ActiveConnections,
            metrics.ActiveTunnels, metrics.TotalRequests, metrics.TotalBlocked));

    /// <summary>
    /// S011-IF-012: the CA in use and the leaf cache, what `outcall ca status` shows. Without a CA: ca_loaded false,
    /// fingerprint null, size and max 0 (there is no cache).
    /// </summary>
    /// <remarks>Resolved per request: an admin host without the node's interception (e.g. a test host) answers as a node without a CA.</remarks>
    private static IResult Intercept(HttpContext context)
    {
        var interception = context.RequestServices.GetService<NodeInterception>();
        if (interception?.Services is { } services)
            return AdminEnvelope.Ok(new AdminViews.InterceptStatus(true, services.CaFingerprint, services.Leaves.Count, services.Leaves.Capacity));
        if (interception?.CaConfigured == true)
            throw new AdminError(StatusCodes.Status503ServiceUnavailable, "interception is not set up yet");
        return AdminEnvelope.Ok(new AdminViews.InterceptStatus(false, null, 0, 0));
    }

    /// <summary>IF-002: the rules in evaluation order; the set's content hash is the ETag.</summary>
    private static async Task<IResult> RulesAsync(HttpContext context, IRequiredActor<RuleEngine> engine, AdminSettings settings, ProxyMetrics metrics)
    {
        var set = await AskAsync<RuleSet>(engine.ActorRef, "rule engine", RuleEngine.GetRuleSet.Instance, settings, context.RequestAborted)
            .ConfigureAwait(false);
        context.Response.Headers.ETag = $"\"{set.ContentHash}\"";
        context.Response.Headers.LastModified = set.LoadedAt.ToString("R", CultureInfo.InvariantCulture);
        return AdminEnvelope.Ok(set.Rules.Select(rule => AdminViews.RuleSummary.Of(rule, metrics.RuleHits.Of(rule.Id))).ToList());
    }

    /// <summary>IF-003: one rule, its condition with definitions expanded.</summary>
    private static async Task<IResult> RuleAsync(string id, IRequiredActor<RuleEngine> engine, AdminSettings settings, CancellationToken cancellationToken)
    {
        var set = await AskAsync<RuleSet>(engine.ActorRef, "rule engine", RuleEngine.GetRuleSet.Instance, settings, cancellationToken).ConfigureAwait(false);
        var rule = set.Rules.FirstOrDefault(r => r.Id == id)
                   ?? throw new AdminError(StatusCodes.Status404NotFound, $"rule not found: {AdminViews.JsonQuoted(id)}");
        return AdminEnvelope.Ok(AdminViews.RuleDetail.Of(rule));
    }

    /// <summary>IF-004: an atomic reload; a refused set keeps the active one and answers 422 naming the first problem.</summary>
    private static async Task<IResult> ReloadAsync(IRequiredActor<RuleEngine> engine, AdminSettings settings, CancellationToken cancellationToken)
    {
        var reload = await AskAsync<RuleEngine.ReloadResult>(engine.ActorRef, "rule engine", RuleEngine.Reload.Instance, settings, cancellationToken)
            .ConfigureAwait(false);
        var view = AdminViews.Reload.Of(reload);
        return reload.Succeeded
            ? AdminEnvelope.Ok(view)
            : AdminEnvelope.Fail(StatusCodes.Status422UnprocessableEntity, AdminViews.Reload.FailureText(reload.Load), view);
    }

    private static async Task<IResult> ClusterAsync(ActorRegistry registry, AdminSettings settings, CancellationToken cancellationToken)
    {
        if (!registry.TryGet<RuleReplicator>(out var cluster))
            throw new AdminError(StatusCodes.Status404NotFound, "clustering is off on this node (outcall.cluster.enabled)");
        var fleet = await AskAsync<FleetStatus>(cluster, "cluster", RuleReplicator.GetFleetStatus.Instance, settings, cancellationToken).ConfigureAwait(false);
        return AdminEnvelope.Ok(fleet);
    }

    /// <summary>S003-IF-001: {"context": {...}} (or the bare context) -> the verdict the proxy would give.</summary>
    private static async Task<IResult> EvaluateAsync(HttpRequest request, IRequiredActor<RuleEngine> engine, AdminSettings settings)
    {
        var context = AdminRequests.ParseEvaluateRequest(await AdminRequests.ReadBodyAsync(request).ConfigureAwait(false));
        var evaluation = await AskAsync<RuleEvaluation>(engine.ActorRef, "rule engine", new RuleEngine.Evaluate(context, DryRun: true), settings, request.HttpContext.RequestAborted)
            .ConfigureAwait(false);
        return AdminEnvelope.Ok(AdminViews.Evaluation.Of(evaluation.Verdict));
    }

    /// <summary>IF-005: a CEL syntax, type or runtime error is a successful answer with result false and the error.</summary>
    private static async Task<IResult> TestAsync(HttpRequest request)
    {
        var (expression, context) = AdminRequests.ParseTestRequest(await AdminRequests.ReadBodyAsync(request).ConfigureAwait(false));
        CelProgram program;
        try
        {
            program = CelCompiler.Compile(expression, EvaluationContext.Environment);
        }
        catch (CelCompileException e)
        {
            return AdminEnvelope.Ok(new AdminViews.TestResult(false, $"compile error at {e.Line}:{e.Column}: {e.Message}"));
        }
        var result = program.Evaluate(context);
        return AdminEnvelope.Ok(result.IsError
            ? new AdminViews.TestResult(false, $"runtime error: {result.Error}")
            : new AdminViews.TestResult(AdminViews.CelJson(result.Value), null));
    }

    private static IResult Ready(NodeState state) =>
        state.Ready ? Results.Text("ready\n", statusCode: StatusCodes.Status200OK)
            : Results.Text(state.Draining ? "draining\n" : "not listening\n", statusCode: StatusCodes.Status503ServiceUnavailable);

    private static async Task<T> AskAsync<T>(IActorRef actor, string what, object message, AdminSettings settings, CancellationToken cancellationToken)
    {
        try
        {
            return await actor.Ask<T>(message, settings.AskTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            throw new AdminError(StatusCodes.Status503ServiceUnavailable,
                $"{what} did not answer within {settings.AskTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A failed or restarting actor replies with a failure, and a dead one never replies.
            throw new AdminError(StatusCodes.Status503ServiceUnavailable, $"{what} unavailable");
        }
    }
}
