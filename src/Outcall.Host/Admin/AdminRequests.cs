using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Outcall.Rules;

namespace Outcall.Host.Admin;

/// <summary>Reading the admin API's request bodies: bounded, strict UTF-8 JSON; errors are 400s that never echo values.</summary>
internal static class AdminRequests
{
    /// <summary>Largest request body read; Kestrel refuses larger ones before we see them.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    private static readonly JsonDocumentOptions RequestJson = new() { MaxDepth = 16, CommentHandling = JsonCommentHandling.Disallow };
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The whole body as strict UTF-8, at most <see cref="MaxBodyBytes"/>.</summary>
    public static async Task<string> ReadBodyAsync(HttpRequest request)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted).ConfigureAwait(false)) > 0)
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

    /// <summary>S003-IF-001's {"context": {...}}, or the bare context as earlier versions took it.</summary>
    public static EvaluationContext ParseEvaluateRequest(string body)
    {
        using var document = ParseObject(body, "body must be {\"context\": {...}}");
        var root = document?.RootElement;
        if (root is { } request && request.TryGetProperty("context", out var context))
        {
            if (request.EnumerateObject().Count() != 1)
                throw new AdminError(StatusCodes.Status400BadRequest, "body has an unknown field; expected only \"context\"");
            return ParseContext(context.GetRawText());
        }
        return ParseContext(body);
    }

    /// <summary>{"expression": string, "context": object (optional)}; anything else is a 400.</summary>
    public static (string Expression, EvaluationContext Context) ParseTestRequest(string body)
    {
        using var document = ParseObject(body, "body must be an object with \"expression\" and \"context\"")
                             ?? throw new AdminError(StatusCodes.Status400BadRequest, "body must be an object with \"expression\" and \"context\"");
        string? expression = null;
        var contextJson = "{}";
        foreach (var field in document.RootElement.EnumerateObject())
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
        return (expression ?? throw new AdminError(StatusCodes.Status400BadRequest, "\"expression\" is required"), ParseContext(contextJson));
    }

    /// <summary>The body as a JSON object; null when it is valid JSON of another kind (left to the context parser to name).</summary>
    private static JsonDocument? ParseObject(string body, string shape)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, RequestJson);
        }
        catch (JsonException e)
        {
            throw new AdminError(StatusCodes.Status400BadRequest, $"body is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}); {shape}");
        }
        if (document.RootElement.ValueKind == JsonValueKind.Object) return document;
        document.Dispose();
        return null;
    }

    private static EvaluationContext ParseContext(string json)
    {
        try
        {
            return EvaluationContextJson.Parse(json);
        }
        catch (FormatException e)
        {
            throw new AdminError(StatusCodes.Status400BadRequest, e.Message);
        }
    }
}
