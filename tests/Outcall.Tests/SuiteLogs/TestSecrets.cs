using System.Security.Cryptography;
using System.Text;

namespace Outcall.Tests.SuiteLogs;

/// <summary>
/// The only source of secret values the specs hand to a node (issue 14: a secret is never logged). Each value is
/// distinctive (hex, so it reads the same in JSON and in a header) and is registered, with its base64 forms, in
/// secrets.tsv beside the <see cref="SuiteLog"/>, where .ci/run's tests/scan-suite-logs looks for it in every log.
/// </summary>
internal static class TestSecrets
{
    public const string Registry = "secrets.tsv";

    private static readonly Lock Gate = new();

    /// <summary>A new value for the secret <paramref name="name"/>, registered before anything can log it.</summary>
    public static string New(string name)
    {
        var value = Distinctive(name);
        if (SuiteLog.Directory is { } dir)
        {
            lock (Gate) File.AppendAllText(Path.Combine(dir, Registry), RegistryLines(name, value));
        }
        return value;
    }

    /// <summary>A value no spec could write by chance, not registered (for the scan's own specs).</summary>
    public static string Distinctive(string name) => $"tsecret-{name}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12))}";

    /// <summary>What the registry holds for one secret: a "name&lt;TAB&gt;form" line for each of its <see cref="Forms"/>.</summary>
    public static string RegistryLines(string name, string value) => string.Concat(Forms(value).Select(form => $"{name}\t{form}\n"));

    /// <summary>
    /// The value itself and the base64 text it shows as wherever it is encoded after any prefix, as in
    /// <c>Authorization: Basic base64(user:secret)</c>: one run of characters for each of the three byte alignments,
    /// without the characters at either end that also depend on the bytes around it.
    /// </summary>
    public static IReadOnlyList<string> Forms(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        var forms = new List<string> { value };
        for (var offset = 0; offset < 3; offset++)
        {
            var encoded = Convert.ToBase64String([.. new byte[offset], .. bytes]);
            var first = (offset * 8 + 5) / 6;
            var end = (offset + bytes.Length) * 8 / 6;
            forms.Add(encoded[first..end]);
        }
        return forms;
    }
}
