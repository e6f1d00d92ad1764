namespace Outcall.Host.Cli;

/// <summary>FR-016 / IF-005: the six variables a container needs to use the proxy.</summary>
public static class ContainerEnvironment
{
    public static IReadOnlyList<(string Name, string Value)> For(string proxyUrl) =>
    [
        ("HTTP_PROXY", proxyUrl), ("HTTPS_PROXY", proxyUrl), ("http_proxy", proxyUrl), ("https_proxy", proxyUrl),
        ("NO_PROXY", "localhost,127.0.0.1"), ("no_proxy", "localhost,127.0.0.1"),
    ];

    /// <summary>The URL is validated so a typo never lands in a container's environment.</summary>
    public static string ValidateUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != "http" || uri.Host.Length == 0
            || uri.PathAndQuery != "/" || uri.UserInfo.Length > 0)
            throw new UsageException($"--proxy-url must look like http://ADDR:PORT, got '{url}'");
        return url.TrimEnd('/');
    }
}
