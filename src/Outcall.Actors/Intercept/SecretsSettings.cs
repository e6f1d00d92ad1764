using System.Text;
using Akka.Configuration;

namespace Outcall.Intercept;

/// <summary>
/// One credential agents never see (issue 14): its value (from the environment or a file, read at start),
/// the hosts it may be sent to, and whether it may cross the network in clear. Its placeholder is
/// <c>outcall-secret-&lt;name&gt;</c>. Nothing here ever prints the value.
/// </summary>
public sealed class Secret
{
    public const string PlaceholderPrefix = "outcall-secret-";

    private readonly string[] _exactHosts;
    private readonly string[] _domains;

    public Secret(string name, string value, IReadOnlyList<string> hosts, bool allowPlaintext)
    {
        Name = name;
        Value = value;
        Hosts = hosts;
        AllowPlaintext = allowPlaintext;
        _exactHosts = hosts.Where(h => h[0] != '.').ToArray();
        _domains = hosts.Where(h => h[0] == '.').Select(h => h[1..]).ToArray();
    }

    public string Name { get; }
    /// <summary>The real secret: only ever written into a request to one of <see cref="Hosts"/>.</summary>
    public string Value { get; }
    /// <summary>Host names, lowercase; ".example.com" is example.com and every name below it.</summary>
    public IReadOnlyList<string> Hosts { get; }
    public bool AllowPlaintext { get; }
    public string Placeholder => PlaceholderPrefix + Name;

    /// <summary>Whether <paramref name="host"/> (lowercase, as the proxy knows its destinations) is one this secret belongs to.</summary>
    public bool IsBoundTo(string host)
    {
        foreach (var exact in _exactHosts)
            if (string.Equals(host, exact, StringComparison.Ordinal)) return true;
        foreach (var domain in _domains)
            if (host.Length == domain.Length ? host == domain
                : host.Length > domain.Length && host[host.Length - domain.Length - 1] == '.' && host.EndsWith(domain, StringComparison.Ordinal))
                return true;
        return false;
    }

    /// <summary>Never the value.</summary>
    public override string ToString() => $"secret '{Name}' for {string.Join(", ", Hosts)}";
}

/// <summary>
/// The `outcall.secrets` section: <c>&lt;name&gt; { value-from-env = "VAR" | value-from-file = "/path", hosts = [...],
/// allow-plaintext = off }</c>. Values are read when the settings are created, so a missing variable or file
/// stops the node at start, not the first request. Errors name the key and the variable or file, never a value.
/// </summary>
public sealed record SecretsSettings(IReadOnlyList<Secret> Secrets)
{
    public static readonly SecretsSettings None = new([]);

    /// <summary>A value is written into header fields: it must be one line of visible characters, or it could split a header.</summary>
    private const int MaxValueLength = 8192;

    public bool IsEmpty => Secrets.Count == 0;

    public static SecretsSettings Create(Config config, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var root = config.WithFallback(OutcallConfig.Defaults);
        var section = root.GetValue("outcall.secrets");
        if (section is null || !section.IsObject()) return None;
        var secrets = new List<Secret>();
        foreach (var name in section.GetObject().Items.Keys.Order(StringComparer.Ordinal))
        {
            var path = $"outcall.secrets.{name}";
            if (!IsName(name)) throw new ConfigurationException($"{path}: a secret name is letters, digits, '_' and '-'");
            var entry = root.GetConfig(path) ?? throw new ConfigurationException($"{path} must be an object");
            var fromEnv = entry.GetString("value-from-env", "") ?? "";
            var fromFile = entry.GetString("value-from-file", "") ?? "";
            if (fromEnv.Length > 0 == fromFile.Length > 0)
                throw new ConfigurationException($"{path}: set exactly one of value-from-env and value-from-file");
            var value = fromEnv.Length > 0 ? FromEnvironment(path, fromEnv, environment) : FromFile(path, fromFile);
            var hosts = entry.GetStringList("hosts")?.Select(h => NormalizeHost(path, h)).ToArray() ?? [];
            if (hosts.Length == 0) throw new ConfigurationException($"{path}.hosts must list at least one host the secret may be sent to");
            secrets.Add(new Secret(name, value, hosts, entry.GetBoolean("allow-plaintext", false)));
        }
        return new SecretsSettings(secrets);
    }

    public Secret? Find(ReadOnlySpan<char> name)
    {
        foreach (var secret in Secrets)
            if (name.SequenceEqual(secret.Name)) return secret;
        return null;
    }

    internal static bool IsNameChar(char c) => c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '_' or '-';

    private static bool IsName(string name) => name.Length is > 0 and <= 64 && name.All(IsNameChar);

    private static string FromEnvironment(string path, string variable, Func<string, string?> environment)
    {
        var value = environment(variable);
        if (string.IsNullOrEmpty(value)) throw new ConfigurationException($"{path}.value-from-env: the environment variable {variable} is not set");
        return Checked(path, value, $"the environment variable {variable}");
    }

    private static string FromFile(string path, string file)
    {
        string text;
        try
        {
            text = File.ReadAllText(file, Encoding.UTF8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"{path}.value-from-file: cannot read {file} ({e.GetType().Name})");
        }
        // A file written by an editor or `echo` ends in a newline that is not part of the secret.
        return Checked(path, text.TrimEnd('\r', '\n'), file);
    }

    private static string Checked(string path, string value, string source)
    {
        if (value.Length == 0) throw new ConfigurationException($"{path}: {source} is empty");
        if (value.Length > MaxValueLength) throw new ConfigurationException($"{path}: {source} is longer than {MaxValueLength} characters");
        foreach (var c in value)
            if (c is < ' ' or > '~')
                throw new ConfigurationException($"{path}: {source} holds a character that cannot go into an HTTP header (printable ASCII only)");
        return value;
    }

    private static string NormalizeHost(string path, string host)
    {
        var name = host.Trim().TrimEnd('.').ToLowerInvariant();
        var bare = name.StartsWith('.') ? name[1..] : name;
        if (bare.Length == 0 || bare.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or ':')))
            throw new ConfigurationException($"{path}.hosts: '{host}' is not a host name (use \"api.example.com\" or \".example.com\")");
        return name;
    }

    public bool Equals(SecretsSettings? other) => other is not null && Secrets.SequenceEqual(other.Secrets);

    public override int GetHashCode() => Secrets.Count;

    /// <summary>Names and hosts only.</summary>
    public override string ToString() => $"SecretsSettings {{ {string.Join("; ", Secrets)} }}";
}
