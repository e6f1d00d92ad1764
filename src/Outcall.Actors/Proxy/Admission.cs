using System.Net;
using Outcall.Http;
using Outcall.Telemetry;

namespace Outcall.Proxy;

/// <summary>What happens to a parsed request head before any rule sees it.</summary>
public enum AdmissionAction
{
    /// <summary>A proxy request: ask the rules.</summary>
    Judge,
    /// <summary>FR-022: the health endpoint, answered here and never forwarded.</summary>
    ServeHealth,
    /// <summary>Not something a proxy can carry: answer <see cref="AdmissionResult.Status"/> and close.</summary>
    Refuse,
    /// <summary>Refused by policy before the rules: audited as a BLOCK for <see cref="AdmissionResult.BlockReason"/>.</summary>
    Block,
}

public readonly record struct AdmissionResult(AdmissionAction Action, int Status = 0, string Reason = "", BlockReason BlockReason = default)
{
    public static readonly AdmissionResult Judge = new(AdmissionAction.Judge);
}

/// <summary>
/// The gate between a parsed head and the rule engine: local endpoints, requests no proxy can carry,
/// and refusals by identity. Pure; every check a request must pass before its verdict belongs here.
/// </summary>
public static class Admission
{
    /// <param name="reachedAt">The proxy end of the client's connection: an absolute-form health probe aimed at it is served here.</param>
    /// <param name="authenticationProblem">Why the request's proxy credential was refused (<see cref="AgentDirectory.Identify"/>), if it was.</param>
    public static AdmissionResult Decide(RequestHead request, string agent, bool requireKnownAgent, IPEndPoint? reachedAt = null,
        string? authenticationProblem = null)
    {
        if (request.TargetForm is TargetForm.Origin or TargetForm.Asterisk)
        {
            // FR-022: the exact path, no query, never forwarded.
            return HealthProbe.IsProbe(request)
                ? new AdmissionResult(AdmissionAction.ServeHealth)
                : new AdmissionResult(AdmissionAction.Refuse, 400, "a proxy request needs an absolute http:// URI or CONNECT");
        }
        // A client with HTTP_PROXY set probes the proxy in absolute form; open like the origin form, and never forwarded.
        if (reachedAt is not null && HealthProbe.IsAddressedTo(request, reachedAt)) return new AdmissionResult(AdmissionAction.ServeHealth);
        if (request.Scheme != "http" && request.TargetForm == TargetForm.Absolute)
            return new AdmissionResult(AdmissionAction.Refuse, 400, "only http:// URIs can be proxied; use CONNECT for https");
        // FR-014 (generation A): answered 407 with our challenge, audited as a BLOCK.
        if (authenticationProblem is not null)
            return new AdmissionResult(AdmissionAction.Block, 407, authenticationProblem, BlockReason.ProxyAuth);
        // FR-025 spirit: a client no identity maps to is refused before any rule sees it.
        if (requireKnownAgent && agent.Length == 0)
            return new AdmissionResult(AdmissionAction.Block, Reason: "unknown agent", BlockReason: BlockReason.UnknownAgent);
        return AdmissionResult.Judge;
    }
}
