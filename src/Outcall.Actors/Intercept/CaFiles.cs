using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Outcall.Intercept;

/// <summary>A CA file that cannot be written or used. The message names the file and never holds key material.</summary>
public sealed class CaFileException(string message) : Exception(message);

/// <summary>
/// `ca.crt` and `ca.key` on disk (S011-FR-001/002, IF-002, EC-004): written once, never over an existing
/// file; loaded only when the key is private to its owner, matches the certificate, and the certificate
/// is a CA that is valid now.
/// </summary>
public static class CaFiles
{
    public const string CertificateFileName = "ca.crt";
    public const string KeyFileName = "ca.key";

    private const UnixFileMode CertificateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode KeyMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode GroupOrOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
    /// <summary>RSA CAs made elsewhere are accepted from this size; smaller keys are refused as too weak.</summary>
    private const int MinimumRsaBits = 2048;
    /// <summary>A CA file is a few KiB; anything this large is not one.</summary>
    private const int MaxFileBytes = 64 * 1024;

    /// <summary>
    /// Writes <paramref name="directory"/>/ca.crt (0644) and ca.key (0600, PKCS#8 PEM), creating the directory.
    /// Refuses when either file exists; nothing is left behind when a write fails.
    /// </summary>
    public static (string CertificatePath, string KeyPath) Write(CertificateAuthority ca, string directory)
    {
        ArgumentNullException.ThrowIfNull(ca);
        var certificatePath = Path.GetFullPath(Path.Combine(directory, CertificateFileName));
        var keyPath = Path.GetFullPath(Path.Combine(directory, KeyFileName));
        foreach (var path in new[] { certificatePath, keyPath })
            if (File.Exists(path) || Directory.Exists(path))
                throw new CaFileException($"{path} already exists; refusing to overwrite a CA (agents may trust it)");
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CaFileException($"cannot create {directory}: {e.Message}");
        }

        var keyPem = ca.PrivateKeyPem();
        var keyBytes = Encoding.ASCII.GetBytes(keyPem);
        try
        {
            // The key first: a CA certificate without its key next to it would be useless and confusing.
            WriteNew(keyPath, keyBytes, KeyMode);
            try
            {
                WriteNew(certificatePath, Encoding.ASCII.GetBytes(ca.CertificatePem() + "\n"), CertificateMode);
            }
            catch
            {
                File.Delete(keyPath);
                throw;
            }
        }
        finally
        {
            Array.Clear(keyPem);
            CryptographicOperations.ZeroMemory(keyBytes);
        }
        return (certificatePath, keyPath);
    }

    /// <summary>CreateNew makes the refusal to overwrite atomic; the mode is set at creation, so the key is never briefly readable.</summary>
    private static void WriteNew(string path, byte[] content, UnixFileMode mode)
    {
        FileStream stream;
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = mode;
            stream = new FileStream(path, options);
        }
        catch (IOException) when (File.Exists(path))
        {
            throw new CaFileException($"{path} already exists; refusing to overwrite a CA (agents may trust it)");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CaFileException($"cannot write {path}: {e.Message}");
        }
        try
        {
            using (stream)
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }
            // The process umask may have cleared bits of the requested mode (0644 under umask 077); set it exactly.
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, mode);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Delete(path);
            throw new CaFileException($"cannot write {path}: {e.Message}");
        }
    }

    /// <summary>The certificate alone, checked to be a CA valid at <paramref name="now"/> (what `ca status` and `ca bundle` read).</summary>
    public static X509Certificate2 ReadCertificate(string certificatePath, DateTimeOffset now)
    {
        var certificate = ParseCertificate(certificatePath);
        try
        {
            CheckIsValidCa(certificate, certificatePath, now);
            return certificate;
        }
        catch
        {
            certificate.Dispose();
            throw;
        }
    }

    /// <summary>The first certificate in a PEM file, unchecked (what `ca status` shows even of a CA it would refuse).</summary>
    public static X509Certificate2 ParseCertificate(string certificatePath)
    {
        var bytes = ReadSmallFile(certificatePath, "CA certificate");
        try
        {
            return X509Certificate2.CreateFromPem(Encoding.ASCII.GetString(bytes));
        }
        catch (CryptographicException)
        {
            throw new CaFileException($"{certificatePath} is not a PEM certificate");
        }
    }

    /// <summary>The CA, ready to sign; every problem is a <see cref="CaFileException"/> naming the file at fault.</summary>
    public static CertificateAuthority Load(string certificatePath, string keyPath, DateTimeOffset now)
    {
        using var certificate = ReadCertificate(certificatePath, now);
        CheckKeyIsPrivate(keyPath);
        var keyBytes = ReadSmallFile(keyPath, "CA key");
        var keyChars = Encoding.ASCII.GetChars(keyBytes);
        CryptographicOperations.ZeroMemory(keyBytes);
        AsymmetricAlgorithm key;
        try
        {
            key = ImportKey(certificate, keyChars, keyPath, certificatePath);
        }
        finally
        {
            Array.Clear(keyChars);
        }
        return new CertificateAuthority(X509CertificateLoader.LoadCertificate(certificate.RawData), key);
    }

    private static void CheckIsValidCa(X509Certificate2 certificate, string path, DateTimeOffset now)
    {
        var constraints = certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault();
        if (constraints is not { CertificateAuthority: true })
            throw new CaFileException($"{path} is not a CA certificate (basicConstraints CA:TRUE is missing)");
        var usage = certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault();
        if (usage is not null && !usage.KeyUsages.HasFlag(X509KeyUsageFlags.KeyCertSign))
            throw new CaFileException($"{path} is not a CA certificate (its key usage does not include keyCertSign)");
        var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime());
        var notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime());
        if (now >= notAfter) throw new CaFileException($"{path} expired at {notAfter:yyyy-MM-dd HH:mm:ss}Z; create a new CA with `outcall ca init`");
        if (now < notBefore) throw new CaFileException($"{path} is not valid before {notBefore:yyyy-MM-dd HH:mm:ss}Z (check the clock)");
    }

    /// <summary>IF-002 / SC-009: a key any other user could read, or replace, is refused before it is read.</summary>
    private static void CheckKeyIsPrivate(string keyPath)
    {
        if (OperatingSystem.IsWindows()) return;
        UnixFileMode mode;
        try
        {
            if (Directory.Exists(keyPath)) throw new CaFileException($"cannot read CA key: {keyPath}: is a directory");
            if (!File.Exists(keyPath)) throw new CaFileException($"cannot read CA key: {keyPath}: no such file");
            mode = File.GetUnixFileMode(keyPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CaFileException($"cannot read CA key: {keyPath}: {e.Message}");
        }
        if ((mode & GroupOrOther) != 0)
            throw new CaFileException(
                $"CA key {keyPath} has mode {Convert.ToString((int)mode, 8).PadLeft(4, '0')}, open to group or others; it must be 0600 or stricter (chmod 600 {keyPath})");
    }

    private static byte[] ReadSmallFile(string path, string what)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            if (stream.Length > MaxFileBytes) throw new CaFileException($"{what} {path} is larger than {MaxFileBytes / 1024} KiB; it is not a PEM file");
            var bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
            return bytes;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CaFileException($"cannot read {what}: {path}: {e.Message}");
        }
    }

    private static AsymmetricAlgorithm ImportKey(X509Certificate2 certificate, char[] pem, string keyPath, string certificatePath)
    {
        AsymmetricAlgorithm key;
        byte[] expected;
        if (certificate.GetECDsaPublicKey() is { } ecPublic)
        {
            using (ecPublic) expected = ecPublic.ExportSubjectPublicKeyInfo();
            key = ECDsa.Create();
        }
        else if (certificate.GetRSAPublicKey() is { } rsaPublic)
        {
            using (rsaPublic)
            {
                if (rsaPublic.KeySize < MinimumRsaBits)
                    throw new CaFileException($"{certificatePath} has a {rsaPublic.KeySize}-bit RSA key; at least {MinimumRsaBits} bits are required");
                expected = rsaPublic.ExportSubjectPublicKeyInfo();
            }
            key = RSA.Create();
        }
        else throw new CaFileException($"{certificatePath} has a key that is neither ECDSA nor RSA");

        try
        {
            try
            {
                key.ImportFromPem(pem);
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
                // The library's message is not passed on: nothing about the key's content leaves this method.
                throw new CaFileException($"CA key {keyPath} is not an unencrypted PEM {(key is ECDsa ? "ECDSA" : "RSA")} private key matching {certificatePath}");
            }
            if (!CryptographicOperations.FixedTimeEquals(key.ExportSubjectPublicKeyInfo(), expected))
                throw new CaFileException($"CA key {keyPath} does not match the certificate {certificatePath}");
            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }
}
