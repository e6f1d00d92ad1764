using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Outcall.Host.Admin;

/// <summary>
/// The live traffic page (issue 15, S010-FR-008): one HTML file, its script and its style sheet, embedded in the
/// assembly so the page works on machines that reach no CDN. The Content-Security-Policy allows only this
/// origin's script, style and API, so a hostile string in an event cannot run even if it reached the markup.
/// </summary>
public static class AdminPage
{
    public const string PagePath = "/";
    public const string ScriptPath = "/app.js";
    public const string StylePath = "/app.css";

    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly string[] GetOrHead = [HttpMethods.Get, HttpMethods.Head];

    public static void MapAdminPage(this IEndpointRouteBuilder app)
    {
        Map(app, PagePath, "index.html", "text/html; charset=utf-8");
        Map(app, ScriptPath, "app.js", "text/javascript; charset=utf-8");
        Map(app, StylePath, "app.css", "text/css; charset=utf-8");
    }

    private static void Map(IEndpointRouteBuilder app, string path, string resource, string contentType)
    {
        var bytes = Resource(resource);
        app.MapMethods(path, GetOrHead, (HttpContext context) =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers.CacheControl = "no-cache";
            return Results.Bytes(bytes, contentType);
        });
    }

    /// <summary>The embedded file (Admin/Page/NAME, see the project file); a build without it fails at start, not on first load.</summary>
    private static byte[] Resource(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Outcall.Host.Admin.Page." + name)
                           ?? throw new InvalidOperationException($"the admin page resource {name} is missing from the build");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
