using System.Net.Http.Headers;

namespace Outcall.Host.Admin;

/// <summary>A running node's admin API as a CLI command reaches it: where, and the token it must send (null when none is configured).</summary>
public sealed record AdminTarget(Uri BaseUri, AdminToken? Token)
{
    /// <summary>A client for the API whose every request carries the token as <c>Authorization: Bearer</c>.</summary>
    public HttpClient CreateClient(TimeSpan timeout)
    {
        var client = new HttpClient { BaseAddress = BaseUri, Timeout = timeout };
        if (Token is { } token) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Value);
        return client;
    }

    public override string ToString() => BaseUri.ToString();
}
