using System.Diagnostics;
using Outcall.Http;
using Outcall.Rules;
using Outcall.Telemetry;

namespace Outcall.Proxy;

/// <summary>
/// A request admitted for judging, as every later step and its audit event see it: the head, what the
/// rules see of it, who sent it and when judging began. A CONNECT judged again by its SNI is the same
/// request with the SNI's context and <see cref="ServerName"/> set.
/// </summary>
public sealed record JudgedRequest(RequestHead Head, EvaluationContext Context, string ClientIp, string Agent, long StartedTimestamp)
{
    /// <summary>The SNI this judgement is about; "" when the request itself is judged.</summary>
    public string ServerName { get; init; } = "";

    /// <summary>How an allowed CONNECT is carried, from its deciding verdict: tunnelled, or intercepted (issue 14).</summary>
    public EgressMode Egress { get; init; } = EgressMode.Proxy;

    /// <summary>For a request observe mode let through: the set whose block it would have been, so its event is explained.</summary>
    public RuleSet? WouldBlockIn { get; init; }

    public static JudgedRequest Admit(RequestHead head, string clientIp, string agent) =>
        new(head, RequestContext.For(head, agent), clientIp, agent, Stopwatch.GetTimestamp());

    /// <summary>The second CONNECT judgement (FR-005): the same request, by the SNI it carries, timed from now.</summary>
    public JudgedRequest ByServerName(string serverName) =>
        this with
        {
            Context = RequestContext.WithServerName(Context, serverName),
            ServerName = serverName,
            StartedTimestamp = Stopwatch.GetTimestamp(),
            Egress = EgressMode.Proxy,
        };

    public bool IsConnect => Head.TargetForm == TargetForm.Authority;

    public RequestKind Kind => IsConnect ? RequestKind.Connect : Head.Upgrade is not null ? RequestKind.Upgrade : RequestKind.Http;

    /// <summary>SC-007: the path only, never the query (it may carry secrets); "" for a CONNECT.</summary>
    public string LoggedPath => IsConnect ? "" : Head.Path;

    public long ElapsedMs => (long)Stopwatch.GetElapsedTime(StartedTimestamp).TotalMilliseconds;
}
