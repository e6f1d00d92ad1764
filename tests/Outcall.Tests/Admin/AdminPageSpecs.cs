using System.Net;
using System.Text.RegularExpressions;
using Outcall.Host.Admin;

namespace Outcall.Tests.Admin;

/// <summary>
/// The live traffic page as files (issue 15, S010-FR-008): served from the assembly under a strict
/// Content-Security-Policy, with nothing inline and nothing from another origin. The browser specs drive it.
/// </summary>
public sealed partial class AdminPageSpecs(AdminNode node) : IClassFixture<AdminNode>
{
    private async Task<(HttpResponseMessage Response, string Body)> GetAsync(string path)
    {
        var response = await node.Http.SendAsync(HttpMethod.Get, path);
        return (response, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/", "text/html")]
    [InlineData("/app.js", "text/javascript")]
    [InlineData("/app.css", "text/css")]
    public async Task The_page_and_its_files_are_served_with_a_strict_content_security_policy(string path, string mediaType)
    {
        var (response, body) = await GetAsync(path);
        using (response)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
            Assert.NotEmpty(body);
            var policy = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("default-src 'none'", policy);
            Assert.Contains("script-src 'self';", policy);
            Assert.Contains("frame-ancestors 'none'", policy);
            Assert.DoesNotContain("unsafe", policy);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        }
    }

    [Fact]
    public async Task The_page_has_no_inline_script_or_style_and_loads_nothing_from_another_origin()
    {
        var (response, html) = await GetAsync("/");
        response.Dispose();
        Assert.All(ScriptTag().Matches(html), tag => Assert.Matches(@"\ssrc=""/app\.js""", tag.Value));
        Assert.DoesNotMatch(@"<style[\s>]", html);
        Assert.DoesNotMatch(@"\s(style|on[a-z]+)\s*=", html);
        Assert.DoesNotMatch(@"(src|href)\s*=\s*""(https?:)?//", html);
    }

    [Fact]
    public async Task The_script_writes_data_only_as_text_never_as_markup()
    {
        var (response, script) = await GetAsync("/app.js");
        response.Dispose();
        Assert.DoesNotMatch(@"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function", script);
        Assert.Contains("textContent", script);
    }

    [Fact]
    public async Task The_page_is_refused_to_a_foreign_Host_like_the_API()
    {
        using var response = await node.Http.SendAsync(HttpMethod.Get, "/", host: "rebound.example");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Posting_to_the_page_is_405()
    {
        using var response = await node.Http.SendAsync(HttpMethod.Post, AdminPage.PagePath);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    [GeneratedRegex(@"<script\b[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex ScriptTag();
}
