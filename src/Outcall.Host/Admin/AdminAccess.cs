using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Outcall.Host.Admin;

/// <summary>
/// S010's local-UI rules after the Host rule: a state-changing request sent by a page of another origin gets
/// 403 (a browser always sends Origin on a cross-origin POST), and with <see cref="AdminSettings.Token"/> set
/// every request but the page's files and /ready must carry the token (Bearer or X-Outcall-Token) or gets 401.
/// </summary>
public static class AdminAccess
{
    public const string TokenHeader = "X-Outcall-Token";

    /// <summary>What a browser must load before it can know the token (it sits in the URL fragment), and the probe.</summary>
    private static readonly string[] OpenPaths = [AdminPage.PagePath, AdminPage.ScriptPath, AdminPage.StylePath, "/ready"];

    public static void UseAdminAccess(this WebApplication app, AdminSettings settings)
    {
        app.Use((context, next) =>
        {
            var request = context.Request;
            if (!IsSafe(request.Method) && request.Headers.Origin.Any(origin => !IsOwnOrigin(origin, request)))
                return Refuse(context, StatusCodes.Status403Forbidden, "the admin API refuses state changes requested by a page of another origin");
            if (settings.Token is { } token && !OpenPaths.Contains(request.Path.Value, StringComparer.Ordinal) && !Presents(request, token))
            {
                context.Response.Headers.WWWAuthenticate = "Bearer realm=\"outcall-admin\"";
                return Refuse(context, StatusCodes.Status401Unauthorized,
                    $"the admin API needs its token ({AdminToken.Key}) as Authorization: Bearer or {TokenHeader}");
            }
            return next(context);
        });
    }

    private static bool IsSafe(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method);

    /// <summary>The page's own origin: http and the Host the request came to (already known to be loopback).</summary>
    private static bool IsOwnOrigin(string? origin, HttpRequest request) =>
        string.Equals(origin, "http://" + request.Host.Value, StringComparison.OrdinalIgnoreCase);

    private static bool Presents(HttpRequest request, AdminToken token)
    {
        if (request.Headers.TryGetValue(TokenHeader, out var direct)) return direct is [{ } value] && token.Matches(value);
        return request.Headers.Authorization is [{ } authorization]
               && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
               && token.Matches(authorization["Bearer ".Length..].Trim());
    }

    private static Task Refuse(HttpContext context, int status, string error)
    {
        context.Response.StatusCode = status;
        return AdminEnvelope.WriteBodylessAsync(context, error);
    }
}
