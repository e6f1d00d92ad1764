using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Outcall.Events;

namespace Outcall.Host.Admin;

/// <summary>
/// The verdict events (issue 15): a Server-Sent Events stream of new ones, the buffer, and one event with its
/// explanation. The stream reads a bounded per-subscriber feed: a subscriber that falls behind loses events
/// and is told how many with a <c>lost</c> event, and the proxy never waits for it.
/// </summary>
public static class EventEndpoints
{
    /// <summary>Events a stream subscriber may be behind by before newer ones are dropped for it.</summary>
    public const int SubscriberBacklog = 1024;

    public const int DefaultRecentLimit = 100;

    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);
    private static readonly string[] Decisions = [TrafficEvent.Allow, TrafficEvent.Block, TrafficEvent.WouldBlock];

    public static void MapEventEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/events", StreamAsync);
        api.MapGet("/events/recent", Recent);
        api.MapGet("/events/{id:long}", One);
    }

    /// <summary>`?agent=A&amp;decision=BLOCK&amp;host=H`: every field given must match; a decision other than ALLOW, BLOCK or WOULD_BLOCK is a 400.</summary>
    public static EventFilter FilterOf(IQueryCollection query)
    {
        var decision = Single(query, "decision");
        if (decision is not null && !Decisions.Contains(decision, StringComparer.OrdinalIgnoreCase))
            throw new AdminError(StatusCodes.Status400BadRequest, $"decision must be one of {string.Join(", ", Decisions)}");
        return new EventFilter(Single(query, "agent"), decision, Single(query, "host"));
    }

    private static string? Single(IQueryCollection query, string name) =>
        query.TryGetValue(name, out var values) && values.Count > 0 && !string.IsNullOrEmpty(values[^1]) ? values[^1] : null;

    private static IResult Recent(HttpRequest request, EventJournal journal)
    {
        var limit = DefaultRecentLimit;
        if (Single(request.Query, "limit") is { } text
            && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1))
            throw new AdminError(StatusCodes.Status400BadRequest, "limit must be a positive integer");
        return AdminEnvelope.Ok(journal.Recent(Math.Min(limit, journal.Capacity), FilterOf(request.Query)).Select(EventViews.Event.Of).ToList());
    }

    private static IResult One(long id, EventJournal journal) =>
        journal.Find(id) is { } e
            ? AdminEnvelope.Ok(new EventViews.Explained(EventViews.Event.Of(e), EventViews.Explanation.Of(VerdictExplainer.Explain(e))))
            : throw new AdminError(StatusCodes.Status404NotFound, $"no event {id.ToString(CultureInfo.InvariantCulture)} in the last {journal.Capacity} events");

    /// <summary>
    /// text/event-stream: <c>event: verdict</c> for a new event, <c>event: outcome</c> for the same event once it ended
    /// (same id), <c>event: lost</c> with <c>{"lost": N}</c> after N were dropped for this subscriber, and a comment
    /// every 15 s so proxies and browsers keep the connection.
    /// </summary>
    private static async Task StreamAsync(HttpContext context, EventJournal journal, IHostApplicationLifetime lifetime)
    {
        var filter = FilterOf(context.Request.Query);
        if (lifetime.ApplicationStopping.IsCancellationRequested) throw new AdminError(StatusCodes.Status503ServiceUnavailable, "the node is stopping");
        // The stream ends when the node stops, else an open page or tail holds the shutdown for Kestrel's whole grace.
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var cancel = ending.Token;
        using var subscription = journal.Subscribe(filter, SubscriberBacklog);
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-store";
        response.Headers["X-Accel-Buffering"] = "no";
        var body = response.BodyWriter;
        var text = new StringBuilder();
        text.Append(": outcall events\nretry: 2000\n\n");
        try
        {
            while (true)
            {
                await body.WriteAsync(Encoding.UTF8.GetBytes(text.ToString()), cancel).ConfigureAwait(false);
                text.Clear();
                if (!await WaitAsync(subscription, cancel).ConfigureAwait(false))
                {
                    text.Append(": keep-alive\n\n");
                    continue;
                }
                if (subscription.TakeLost() is var lost and > 0)
                    text.Append("event: lost\ndata: {\"lost\":").Append(lost.ToString(CultureInfo.InvariantCulture)).Append("}\n\n");
                while (text.Length < 64 * 1024 && subscription.Reader.TryRead(out var e))
                {
                    text.Append("id: ").Append(e.Id.ToString(CultureInfo.InvariantCulture))
                        .Append(e.Outcome is null ? "\nevent: verdict\ndata: " : "\nevent: outcome\ndata: ")
                        .Append(JsonSerializer.Serialize(EventViews.Event.Of(e), AdminEnvelope.Json)).Append("\n\n");
                }
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // The subscriber left, or the node is stopping.
        }
    }

    /// <summary>True when events (or a loss) are waiting; false after a heartbeat's quiet.</summary>
    private static async Task<bool> WaitAsync(EventJournal.Subscription subscription, CancellationToken cancel)
    {
        using var quiet = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        quiet.CancelAfter(Heartbeat);
        try
        {
            return await subscription.Reader.WaitToReadAsync(quiet.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            return false;
        }
    }
}
