using System.Net;
using System.Text;
using System.Text.Json;

namespace Outcall.Tests.Admin;

/// <summary>A client for a node's admin API that hands back the status and the parsed JSON body.</summary>
public sealed class AdminHttp(Uri baseUri) : IDisposable
{
    private readonly HttpClient _client = new() { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(10) };

    public async Task<(HttpStatusCode Status, JsonElement Body)> GetJsonAsync(string path)
    {
        using var response = await _client.GetAsync(path);
        return (response.StatusCode, await ReadJsonAsync(response));
    }

    public async Task<(HttpStatusCode Status, JsonElement Body)> PostJsonAsync(string path, string body)
    {
        using var response = await _client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
        return (response.StatusCode, await ReadJsonAsync(response));
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? host = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (host is not null) request.Headers.Host = host;
        return await _client.SendAsync(request);
    }

    /// <summary>Asserts the envelope's shape (exactly success, data, error) and its success flag.</summary>
    public static JsonElement Envelope(JsonElement body, bool success)
    {
        Assert.Equal(["data", "error", "success"], body.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(success, body.GetProperty("success").GetBoolean());
        if (success) Assert.Equal(JsonValueKind.Null, body.GetProperty("error").ValueKind);
        else Assert.False(string.IsNullOrEmpty(body.GetProperty("error").GetString()));
        return body.GetProperty("data");
    }

    private static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }

    public void Dispose() => _client.Dispose();
}
