using Akka.Configuration;

namespace Outcall.Host.Cli;

/// <summary>
/// FR-016 / IF-005: the six variables a container needs to use the proxy; issue 14: the variables that make
/// agents trust the interception CA, and the placeholders they hold instead of secrets.
/// </summary>
public static class ContainerEnvironment
{
    /// <summary>The placeholder of secret NAME, what the proxy replaces on the way to the secret's hosts.</summary>
    public const string SecretPlaceholderPrefix = "outcall-secret-";

    public static IReadOnlyList<(string Name, string Value)> For(string proxyUrl) =>
    [
        ("HTTP_PROXY", proxyUrl), ("HTTPS_PROXY", proxyUrl), ("http_proxy", proxyUrl), ("https_proxy", proxyUrl),
        ("NO_PROXY", "localhost,127.0.0.1"), ("no_proxy", "localhost,127.0.0.1"),
    ];

    /// <summary>OpenSSL and curl, Node.js, Python requests, git: each reads the CA file from its own variable.</summary>
    public static IReadOnlyList<(string Name, string Value)> CaTrust(string caCertificate)
    {
        var path = Path.GetFullPath(caCertificate);
        return [("SSL_CERT_FILE", path), ("NODE_EXTRA_CA_CERTS", path), ("REQUESTS_CA_BUNDLE", path), ("GIT_SSL_CAINFO", path)];
    }

    /// <summary>
    /// One <c>NAME=outcall-secret-name</c> per entry of <c>outcall.secrets</c> (NAME: the name upper-cased, '-' as '_'),
    /// in name order. Only the names are read: a secret's value is neither read nor printed here.
    /// </summary>
    /// <exception cref="StartupException">A name that cannot be a placeholder, or two that make one variable.</exception>
    public static IReadOnlyList<(string Name, string Value)> SecretPlaceholders(Config config)
    {
        var section = config.GetValue("outcall.secrets");
        if (section is null || !section.IsObject()) return [];
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        var lines = new List<(string, string)>();
        foreach (var name in section.GetObject().Items.Keys.Order(StringComparer.Ordinal))
        {
            if (name.Length is 0 or > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
                throw new StartupException($"config error: outcall.secrets.{name}: a secret name is letters, digits, '_' and '-'");
            var variable = name.ToUpperInvariant().Replace('-', '_');
            if (!variables.TryAdd(variable, name))
                throw new StartupException($"config error: outcall.secrets: '{variables[variable]}' and '{name}' would both be the variable {variable}");
            lines.Add((variable, SecretPlaceholderPrefix + name));
        }
        return lines;
    }

    /// <summary>The URL is validated so a typo never lands in a container's environment.</summary>
    public static string ValidateUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != "http" || uri.Host.Length == 0
            || uri.PathAndQuery != "/" || uri.UserInfo.Length > 0)
            throw new UsageException($"--proxy-url must look like http://ADDR:PORT, got '{url}'");
        return url.TrimEnd('/');
    }
}
