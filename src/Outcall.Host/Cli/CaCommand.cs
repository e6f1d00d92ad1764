using System.CommandLine;
using System.Globalization;
using System.Text;
using Outcall.Host.Admin;
using Outcall.Intercept;

namespace Outcall.Host.Cli;

/// <summary>`outcall ca init [--dir DIR]`: a new root CA in DIR (default: the working directory, S011-IF-007).</summary>
public sealed record CaInitCommand(string? Directory) : CliCommand
{
    public override Task<int> RunAsync(TextWriter stdout, TextWriter stderr) =>
        Task.FromResult(CaCommand.Init(Directory ?? ".", stdout, stderr));
}

/// <summary>`outcall ca bundle [--ca-cert FILE] [--config FILE]`: the configured CA certificate, as agents install it.</summary>
public sealed record CaBundleCommand(string? CaCert, string? ConfigFile) : CliCommand
{
    public override Task<int> RunAsync(TextWriter stdout, TextWriter stderr)
    {
        // The certificate alone is printed, so --ca-cert needs no --ca-key here.
        var settings = CaCommand.Settings(ConfigFile);
        return Task.FromResult(CaCommand.Bundle(CaCert is null ? settings : settings with { CaCert = CaCert }, stdout, stderr));
    }
}

/// <summary>
/// `outcall ca status [--ca-cert FILE --ca-key FILE] [--admin URL] [--config FILE]`: the configured CA, whether a
/// node would accept it, and the running node's leaf count from its admin API (S011-IF-009, S011-IF-012) when it answers.
/// </summary>
public sealed record CaStatusCommand(string? CaCert, string? CaKey, string? AdminUrl, string? ConfigFile) : CliCommand
{
    public override async Task<int> RunAsync(TextWriter stdout, TextWriter stderr)
    {
        var settings = CaCommand.Settings(ConfigFile, ("outcall.intercept.ca-cert", CaCert), ("outcall.intercept.ca-key", CaKey));
        if (!settings.CaConfigured) return CaCommand.Status(settings, stdout, stderr);
        NodeLeaves node;
        try
        {
            node = await AdminCommands.InterceptionAsync(AdminCommands.Target(AdminUrl, ConfigFile)).ConfigureAwait(false);
        }
        catch (StartupException e)
        {
            node = new NodeLeaves.Unknown(e.Message);
        }
        return CaCommand.Status(settings, stdout, stderr, node);
    }
}

/// <summary>What a running node says of its leaves (S011-IF-012), for `ca status`.</summary>
public abstract record NodeLeaves
{
    /// <summary>The node could not be asked; <paramref name="Why"/> says so in one phrase.</summary>
    public sealed record Unknown(string Why) : NodeLeaves;

    /// <summary>The node's answer: whether it loaded a CA, that CA's fingerprint, and its leaf cache.</summary>
    public sealed record Reported(Uri Admin, bool CaLoaded, string Fingerprint, int Cached, int Max) : NodeLeaves;
}

/// <summary>
/// `outcall ca init|bundle|status` (issue 14, S011-FR-002/FR-018, IF-007..009). Exit codes: 0 fine, 1 the CA
/// cannot be made or used, or none is set. No output ever holds key material.
/// </summary>
public static class CaCommand
{
    private const string NoCa =
        "no CA is set: set outcall.intercept.ca-cert and ca-key (or --ca-cert and --ca-key); make one with `outcall ca init`";

    internal static Command Define()
    {
        var dir = CliOptions.Value("--dir", "DIR", "where ca.crt and ca.key are written (default: the working directory)");
        var bundleCert = CaCert();
        var (statusCert, statusKey, admin) = (CaCert(), CaKey(), CliOptions.AdminUrl());
        return new Command("ca", "Make and inspect the CA that signs intercepted TLS (outcall.intercept)")
        {
            Verb.Command("init", "Create a root CA: ca.crt (0644) and ca.key (0600); never overwrites; prints the SHA-256 fingerprint",
                result => new CaInitCommand(result.GetValue(dir)), dir),
            Verb.Command("bundle", "Print the CA certificate (PEM) agents must trust, byte for byte as the file",
                result => new CaBundleCommand(result.GetValue(bundleCert), result.GetValue(CliOptions.Config)), bundleCert),
            Verb.Command("status", "Subject, fingerprint, validity of the CA, whether a node accepts it, and the running node's cached leaves",
                result => new CaStatusCommand(result.GetValue(statusCert), result.GetValue(statusKey), result.GetValue(admin),
                    result.GetValue(CliOptions.Config)), statusCert, statusKey, admin),
        };
    }

    /// <summary>`--ca-cert FILE` (outcall.intercept.ca-cert), taken by `run` and the `ca` commands.</summary>
    internal static Option<string> CaCert() => CliOptions.Value("--ca-cert", "FILE", "CA certificate that signs intercepted TLS (outcall.intercept.ca-cert)");

    /// <summary>`--ca-key FILE` (outcall.intercept.ca-key).</summary>
    internal static Option<string> CaKey() => CliOptions.Value("--ca-key", "FILE", "the CA's private key, mode 0600 (outcall.intercept.ca-key)");

    /// <summary>The outcall.intercept section of the configuration, the flags over it (checked by <see cref="ConfigLayers.Load"/>).</summary>
    internal static InterceptSettings Settings(string? configFile, params (string Key, string? Value)[] flags) =>
        InterceptSettings.Create(ConfigLayers.Load(configFile, flags));

    /// <summary>`ca init [--dir DIR]`: a new root CA in DIR (ca.crt 0644, ca.key 0600), never over existing files; prints the fingerprint.</summary>
    public static int Init(string directory, TextWriter stdout, TextWriter stderr, TimeProvider? time = null)
    {
        try
        {
            using var ca = CertificateAuthority.Generate(time);
            var (certificatePath, keyPath) = CaFiles.Write(ca, directory);
            stdout.WriteLine($"wrote {certificatePath} (the certificate agents trust: `outcall ca bundle`)");
            stdout.WriteLine($"wrote {keyPath} (the private key, mode 0600: keep it on this host)");
            stdout.WriteLine($"SHA-256 fingerprint: {ca.Fingerprint}");
            stdout.WriteLine($"valid until {Utc(ca.NotAfter)}; use it with outcall.intercept.ca-cert and ca-key");
            return 0;
        }
        catch (CaFileException e)
        {
            stderr.WriteLine($"outcall ca init: {e.Message}");
            return 1;
        }
    }

    /// <summary>`ca bundle`: the configured CA certificate file exactly as it is on disk, once it is checked to be a valid CA.</summary>
    public static int Bundle(InterceptSettings settings, TextWriter stdout, TextWriter stderr, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!settings.CaConfigured)
        {
            stderr.WriteLine($"outcall ca bundle: {NoCa}");
            return 1;
        }
        try
        {
            using (CaFiles.ReadCertificate(settings.CaCert, (time ?? TimeProvider.System).GetUtcNow())) { }
            // Decoded without dropping a byte order mark, so what is written is the file byte for byte (S011-AS-010).
            stdout.Write(new UTF8Encoding(false).GetString(File.ReadAllBytes(settings.CaCert)));
            stdout.Flush();
            return 0;
        }
        catch (Exception e) when (e is CaFileException or IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"outcall ca bundle: {e.Message}");
            return 1;
        }
    }

    /// <summary>
    /// `ca status`: the configured CA's subject, fingerprint and validity, and whether the node would accept
    /// it (key private, matching, CA valid now): exit 1 when not. <paramref name="node"/> is what the running
    /// node reported; without it only the files are described.
    /// </summary>
    public static int Status(InterceptSettings settings, TextWriter stdout, TextWriter stderr, NodeLeaves? node = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!settings.CaConfigured)
        {
            stderr.WriteLine($"outcall ca status: {NoCa}");
            return 1;
        }
        var now = (time ?? TimeProvider.System).GetUtcNow();
        try
        {
            using var certificate = CaFiles.ParseCertificate(settings.CaCert);
            stdout.WriteLine($"certificate:   {settings.CaCert}");
            stdout.WriteLine($"key:           {settings.CaKey}");
            stdout.WriteLine($"subject:       {certificate.Subject}");
            stdout.WriteLine($"fingerprint:   SHA-256 {CertificateAuthority.FingerprintOf(certificate)}");
            stdout.WriteLine($"valid:         {Utc(certificate.NotBefore)} to {Utc(certificate.NotAfter)}");
            stdout.WriteLine($"leaves cached: {LeavesLine(node, CertificateAuthority.FingerprintOf(certificate), settings.LeafCache)}");
        }
        catch (CaFileException e)
        {
            stderr.WriteLine($"outcall ca status: {e.Message}");
            return 1;
        }
        try
        {
            using (CaFiles.Load(settings.CaCert, settings.CaKey, now)) { }
            stdout.WriteLine("state:         usable (the key is private and matches; the CA is valid now)");
            return 0;
        }
        catch (CaFileException e)
        {
            stdout.WriteLine("state:         refused (the node will not start with it)");
            stderr.WriteLine($"outcall ca status: {e.Message}");
            return 1;
        }
    }

    /// <summary>A count only from a node that runs this very CA; otherwise what is known, and why no more is.</summary>
    private static string LeavesLine(NodeLeaves? node, string fingerprint, int configuredMax) => node switch
    {
        NodeLeaves.Reported { CaLoaded: false } reported => $"none (the node at {reported.Admin} runs without a CA)",
        NodeLeaves.Reported reported when reported.Fingerprint != fingerprint =>
            $"not known for this CA (the node at {reported.Admin} runs the CA with fingerprint SHA-256 {reported.Fingerprint})",
        NodeLeaves.Reported reported => $"{reported.Cached} of {reported.Max} (the node at {reported.Admin})",
        NodeLeaves.Unknown unknown => $"not known ({unknown.Why}); at most {configuredMax}",
        _ => $"not known offline (at most {configuredMax})",
    };

    private static string Utc(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Utc(DateTime time) => Utc(new DateTimeOffset(time.ToUniversalTime()));
}
