using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json;
using Outcall.Events;
using Outcall.Host.Admin;

namespace Outcall.Host.Cli;

/// <summary>
/// `outcall tail [--admin URL] [--agent A] [--blocked] [--host H] [--json]` (issue 15): follows a node's verdict
/// stream (<c>GET /api/v1/events</c>), one line per verdict (<see cref="VerdictLine"/>) or, with --json, each event
/// as one JSON line. Notes (dropped events, the node going away, reconnecting) go to stderr. Ctrl+C or SIGTERM ends
/// it with exit 0; when the node goes away (or answers 5xx) it reconnects, backing off from 250 ms to at most 5 s; a
/// node that refuses the request with a 4xx (wrong filter, not an Outcall admin API) is exit 1.
/// </summary>
public sealed record TailCommand(string? AdminUrl, string? ConfigFile, string? Agent, string? Host, bool BlockedOnly, bool Json) : CliCommand
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(5);

    /// <summary>Three of the node's 15 s heartbeats missed: the connection is dead even if no socket said so.</summary>
    private static readonly TimeSpan Silence = TimeSpan.FromSeconds(45);

    internal static Command Define()
    {
        var admin = CliOptions.AdminUrl();
        var agent = CliOptions.Value("--agent", "NAME", "only this agent's verdicts");
        var host = CliOptions.Value("--host", "HOST", "only verdicts for this host (request or CONNECT host, or SNI)");
        var blocked = new Option<bool>("--blocked") { Description = "only blocks (and would-blocks)" };
        var json = new Option<bool>("--json") { Description = "each event as one JSON line (the shape of /api/v1/events)" };
        return Verb.Command("tail", "Follow a running node's verdicts live, one line each, until Ctrl+C",
            result => new TailCommand(result.GetValue(admin), result.GetValue(CliOptions.Config), result.GetValue(agent), result.GetValue(host),
                result.GetValue(blocked), result.GetValue(json)),
            admin, agent, host, blocked, json);
    }

    public override async Task<int> RunAsync(TextWriter stdout, TextWriter stderr)
    {
        var admin = AdminCommands.Target(AdminUrl, ConfigFile);
        using var stop = new CancellationTokenSource();
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var client = admin.CreateClient(Timeout.InfiniteTimeSpan);
        var colour = !Json && VerdictLine.ColourWanted(stdout);
        var retry = FirstRetry;
        var connectedBefore = false;
        string? outage = null;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var response = await client.GetAsync(StreamPath(), HttpCompletionOption.ResponseHeadersRead, stop.Token).ConfigureAwait(false);
                // A 5xx is a node in trouble or on its way down: retried like a node that went away.
                if ((int)response.StatusCode >= 500) throw new HttpRequestException($"HTTP {(int)response.StatusCode}");
                if (!response.IsSuccessStatusCode)
                {
                    stderr.WriteLine($"outcall: the admin API at {admin} refused the event stream: HTTP {(int)response.StatusCode} {await ErrorOf(response).ConfigureAwait(false)}");
                    return 1;
                }
                stderr.WriteLine(connectedBefore ? $"outcall: reconnected to {admin}; verdicts while it was away are not shown" : $"outcall: following {admin}");
                connectedBefore = true;
                outage = null;
                retry = FirstRetry;
                await FollowAsync(response, stdout, stderr, colour, stop.Token).ConfigureAwait(false);
                outage = WentAway("the node ended the stream");
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
            {
                var reason = e switch
                {
                    HttpRequestException { InnerException: SocketException socket } => socket.SocketErrorCode.ToString(),
                    HttpRequestException { HttpRequestError: HttpRequestError.Unknown } request => request.Message,
                    HttpRequestException request => request.HttpRequestError.ToString(),
                    OperationCanceledException => $"silent for {Silence.TotalSeconds:0}s",
                    _ => "connection lost",
                };
                outage ??= WentAway(reason);
            }
            try
            {
                await Task.Delay(retry, stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            retry = retry * 2 < LastRetry ? retry * 2 : LastRetry;
        }
        return 0;

        // One note per outage, not one per retry.
        string WentAway(string reason)
        {
            stderr.WriteLine(connectedBefore
                ? $"outcall: the node at {admin} went away ({reason}); reconnecting"
                : $"outcall: cannot reach the admin API at {admin} ({reason}); retrying");
            return reason;
        }

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }

    private string StreamPath()
    {
        var query = new List<string>();
        if (Agent is not null) query.Add("agent=" + Uri.EscapeDataString(Agent));
        if (Host is not null) query.Add("host=" + Uri.EscapeDataString(Host));
        return "api/v1/events" + (query.Count == 0 ? "" : "?" + string.Join('&', query));
    }

    /// <summary>Reads Server-Sent Events until the stream ends; each <c>data</c> line is dispatched at its blank line.</summary>
    private async Task FollowAsync(HttpResponseMessage response, TextWriter stdout, TextWriter stderr, bool colour, CancellationToken stop)
    {
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(stop).ConfigureAwait(false));
        string type = "message", data = "";
        while (true)
        {
            using var quiet = CancellationTokenSource.CreateLinkedTokenSource(stop);
            quiet.CancelAfter(Silence);
            var line = await reader.ReadLineAsync(quiet.Token).ConfigureAwait(false);
            if (line is null) return;
            if (line.Length == 0)
            {
                if (data.Length > 0) Dispatch(type, data, stdout, stderr, colour);
                (type, data) = ("message", "");
            }
            else if (line.StartsWith("event:", StringComparison.Ordinal)) type = line["event:".Length..].Trim();
            else if (line.StartsWith("data:", StringComparison.Ordinal)) data += line["data:".Length..].TrimStart();
        }
    }

    private void Dispatch(string type, string data, TextWriter stdout, TextWriter stderr, bool colour)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(data);
        }
        catch (JsonException)
        {
            stderr.WriteLine($"outcall: skipped an unreadable {type} event");
            return;
        }
        using (document)
        {
            var e = document.RootElement;
            if (type == "lost")
            {
                var lost = e.TryGetProperty("lost", out var count) ? count.GetRawText() : "some";
                stderr.WriteLine($"outcall: the node dropped {lost} events for this tail (it was behind)");
                return;
            }
            if (type is not ("verdict" or "outcome") || e.ValueKind != JsonValueKind.Object) return;
            if (BlockedOnly && e.TryGetProperty("decision", out var decision) && decision.GetString() == TrafficEvent.Allow) return;
            stdout.WriteLine(Json ? data : VerdictLine.Format(e, colour));
            stdout.Flush();
        }
    }

    private static async Task<string> ErrorOf(HttpResponseMessage response)
    {
        try
        {
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync().ConfigureAwait(false));
            return body.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String ? error.GetString()! : "";
        }
        catch (JsonException)
        {
            return response.StatusCode == HttpStatusCode.NotFound ? "(no event stream: an older node?)" : "";
        }
    }
}
