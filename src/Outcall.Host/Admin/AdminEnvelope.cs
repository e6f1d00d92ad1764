using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Outcall.Host.Admin;

/// <summary>The answer shape of every /api/v1 endpoint (S000): {"success": bool, "data": ..., "error": string|null}.</summary>
public static class AdminEnvelope
{
    /// <summary>snake_case fields; dictionary keys (rule context maps) as given.</summary>
    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
    };

    private sealed record Envelope(bool Success, object? Data, string? Error);

    public static IResult Ok(object data) => Results.Json(new Envelope(true, data, null), Json);

    public static IResult Fail(int status, string error, object? data = null) => Results.Json(new Envelope(false, data, error), Json, statusCode: status);

    /// <summary>
    /// An answer the web stack produced without a body (no route, wrong method, wrong Host): the
    /// envelope under /api, one line of text elsewhere.
    /// </summary>
    internal static Task WriteBodylessAsync(HttpContext context, string error)
    {
        var result = context.Request.Path.StartsWithSegments("/api")
            ? Fail(context.Response.StatusCode, error)
            : Results.Text(error + "\n", statusCode: context.Response.StatusCode);
        return result.ExecuteAsync(context);
    }
}

/// <summary>A request the admin API refuses: the HTTP status, the envelope's error text and, when useful, its data.</summary>
internal sealed class AdminError(int status, string message, object? payload = null) : Exception(message)
{
    public int Status { get; } = status;
    public object? Payload { get; } = payload;
}
