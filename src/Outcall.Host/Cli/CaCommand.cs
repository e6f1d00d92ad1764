using System.Globalization;
using System.Text;
using Outcall.Intercept;

namespace Outcall.Host.Cli;

/// <summary>
/// `outcall ca init|bundle|status` (issue 14, S011-FR-002/FR-018, IF-007..009). Exit codes: 0 fine, 1 the CA
/// cannot be made or used, or none is set. No output ever holds key material.
/// </summary>
public static class CaCommand
{
    private const string NoCa =
        "no CA is set: set outcall.intercept.ca-cert and ca-key (or --ca-cert and --ca-key); make one with `outcall ca init`";

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
    /// it (key private, matching, CA valid now): exit 1 when not. <paramref name="cachedLeaves"/> is the running
    /// node's count; without one (offline) only the files are described.
    /// </summary>
    public static int Status(InterceptSettings settings, TextWriter stdout, TextWriter stderr, int? cachedLeaves = null, TimeProvider? time = null)
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
            stdout.WriteLine(cachedLeaves is { } count
                ? $"leaves cached: {count} of {settings.LeafCache}"
                : $"leaves cached: not known offline (at most {settings.LeafCache})");
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

    private static string Utc(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Utc(DateTime time) => Utc(new DateTimeOffset(time.ToUniversalTime()));
}
