using System.Diagnostics;
using Akka.Event;
using Outcall.Events;
using Outcall.Http;

namespace Outcall.Proxy;

/// <summary>
/// Every line a client connection writes, each template in one place. Verdicts go through
/// <see cref="Verdict"/> with the <see cref="AuditEvent"/> schema: BLOCK at warning, WOULD_BLOCK at info, ALLOW at debug
/// (README "Logs"). Debug lines are built only when debug is on. Never a header value, query or body.
/// Each verdict is also one <see cref="TrafficEvent"/> in the node's <see cref="EventJournal"/>, and the end
/// of what it allowed (an exchange, a tunnel, a failed connect) that event's outcome.
/// </summary>
internal sealed class ConnectionLog(ILoggingAdapter log, string clientIp, EventJournal? events = null)
{
    /// <summary>The last verdict's event, which the next outcome belongs to; 0 when it has one already.</summary>
    private long _eventId;
    private long _eventPublished;

    private const string RequestVerdict =
        "{Decision} {ClientIp} agent={Agent} {Method} {Host}:{Port}{Path} rule={RuleId} file={RuleFile} reason={Reason} in {DurationMs} ms";
    private const string ServerNameVerdict =
        "{Decision} {ClientIp} agent={Agent} {Method} {Host}:{Port}{Path} by SNI {ServerName} rule={RuleId} file={RuleFile} reason={Reason} in {DurationMs} ms";

    public void Verdict(in AuditEvent e)
    {
        if (events is not null) Publish(events, e);
        if (e.IsAllowed && !log.IsDebugEnabled) return;
        object[] fields = e.ServerName.Length == 0
            ? [e.Decision, e.ClientIp, e.Agent, e.Method, e.Host, e.Port, e.Path, e.RuleId, e.RuleFile, e.Reason, e.DurationMs]
            : [e.Decision, e.ClientIp, e.Agent, e.Method, e.Host, e.Port, e.Path, e.ServerName, e.RuleId, e.RuleFile, e.Reason, e.DurationMs];
        var template = e.ServerName.Length == 0 ? RequestVerdict : ServerNameVerdict;
        if (e.IsAllowed) log.Debug(template, fields);
        else if (e.Decision == AuditEvent.WouldBlock) log.Info(template, fields);
        else log.Warning(template, fields);
    }

    private void Publish(EventJournal journal, in AuditEvent e)
    {
        var id = journal.NextId();
        // Only what the rules blocked is traced, against the very set that decided; an allow costs one small object.
        var trace = e.Decision != AuditEvent.Allow && e.Context is { } context && e.DecidedBy is { } set ? set.Trace(context) : null;
        journal.Append(new TrafficEvent(id, DateTimeOffset.UtcNow, e.Decision, e.Cause, e.ClientIp, e.Agent, e.Method, e.Host, e.Port, e.Path,
            e.ServerName, e.RuleId, e.RuleFile, e.Reason, e.DurationMs)
        { RuleSet = e.DecidedBy, Trace = trace, AddressClass = e.AddressClass });
        // A block is answered with its 403 and has no outcome; a would-block goes on like an allow.
        _eventId = e.Decision == AuditEvent.Block ? 0 : id;
        _eventPublished = Stopwatch.GetTimestamp();
    }

    /// <summary>How what the last verdict allowed ended, as that event's outcome (once).</summary>
    private void Outcome(int status, long bytesUp, long bytesDown, string end)
    {
        if (events is null || _eventId == 0) return;
        events.RecordOutcome(_eventId, new EventOutcome(status, bytesUp, bytesDown, (long)Stopwatch.GetElapsedTime(_eventPublished).TotalMilliseconds, end));
        _eventId = 0;
    }

    /// <summary>EC-008, at error: the verdict that follows is a BLOCK. Only the failure's type is logged, never its text.</summary>
    public void EngineUnavailable(JudgedRequest request, Exception failure) =>
        log.Error("Rule engine unavailable for {ClientIp} -> {Host}:{Port}: {Failure}; blocking (EC-008)",
            clientIp, request.Context.NetworkHostname, request.Head.Port, failure.GetType().Name);

    public void RefusedMalformed(int status, string problem) =>
        log.Warning("Refused malformed request from {ClientIp} with {Status}: {Problem}", clientIp, status, problem);

    public void HeadTimedOut(TimeSpan headerTimeout) =>
        log.Info("Closing {ClientIp}: request head not complete within {HeaderTimeoutSeconds} s", clientIp, headerTimeout.TotalSeconds);

    public void DnsFailed(RequestHead request)
    {
        Outcome(ProxyErrors.StatusOf(ProxyError.DestinationUnresolved), 0, 0, "dns-failed");
        log.Warning("DNS failure for {ClientIp} -> {Host}:{Port}", clientIp, request.Host, request.Port);
    }

    public void UpstreamFailed(RequestHead request, string? failure)
    {
        Outcome(0, 0, 0, "connect-failed");
        log.Warning("Upstream failure for {ClientIp} -> {Host}:{Port}: {Failure}", clientIp, request.Host, request.Port, failure);
    }

    public void ExchangeEnded(JudgedRequest request, ExchangeOutcome outcome)
    {
        // A request resent on a fresh connection, or upgraded to a tunnel, has not ended yet.
        if (outcome.End is not (ExchangeEnd.NotSent or ExchangeEnd.Upgraded))
            Outcome(outcome.Status, outcome.BytesUp, outcome.BytesDown, outcome.End == ExchangeEnd.Aborted ? "aborted" : "completed");
        if (!log.IsDebugEnabled) return;
        log.Debug("Exchange {ClientIp} {Method} {Host}:{Port}{Path} ended {End} status={Status} up={BytesUp} down={BytesDown}",
            [clientIp, request.Head.Method, request.Head.Host, request.Head.Port, request.LoggedPath, outcome.End, outcome.Status, outcome.BytesUp, outcome.BytesDown]);
    }

    public void Resending(RequestHead request) =>
        log.Debug("Reused connection to {Host}:{Port} failed before sending; retrying {Method} on a fresh one", request.Host, request.Port, request.Method);

    public void ExchangeAborted(RequestHead request, string? problem) =>
        log.Info("Exchange with {Host}:{Port} for {ClientIp} aborted: {Problem}", request.Host, request.Port, clientIp, problem);

    public void TunnelRefused(RequestHead request, string? problem) =>
        log.Warning("Closing tunnel {ClientIp} -> {Host}:{Port}: {Problem}", clientIp, request.Host, request.Port, problem);

    /// <summary>Issue 14: the one line of an interception that could not open, with its stable reason; the tunnel is closed.</summary>
    public void InterceptFailed(RequestHead request, string name, string reason, string detail) =>
        log.Warning("Closing intercepted tunnel {ClientIp} -> {Host}:{Port}: {InterceptFailure} for {ServerName}: {Problem}",
            clientIp, request.Host, request.Port, reason, name, detail);

    public void Intercepting(RequestHead request, string name)
    {
        if (!log.IsDebugEnabled) return;
        log.Debug("Intercepting tunnel {ClientIp} -> {Host}:{Port} as {ServerName}", clientIp, request.Host, request.Port, name);
    }

    public void TunnelEnded(RequestHead request, long bytesUp, long bytesDown, Exception? cause)
    {
        Outcome(request.TargetForm == TargetForm.Authority ? 200 : 101, bytesUp, bytesDown, "tunnel-closed");
        if (!log.IsDebugEnabled) return;
        log.Debug("Tunnel {ClientIp} -> {Host}:{Port} ended after {BytesUp} bytes up, {BytesDown} down{Cause}",
            [clientIp, request.Host, request.Port, bytesUp, bytesDown, cause is null ? "" : $" ({cause.GetBaseException().GetType().Name})"]);
    }
}
