using System.Runtime.Versioning;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Outcall.Intercept;
using Outcall.Tests.SuiteLogs;

namespace Outcall.Tests.Cli;

/// <summary>
/// Issue 14 (S011-IF-007, S011-IF-008, S011-IF-009, S011-AS-004, S011-AS-009, S011-AS-010) through the real executable, run from an empty working directory as
/// issue 17 asks of every command: `ca init|bundle|status`, `run --ca-cert/--ca-key`, and what `env` prints for a CA
/// and for secrets. Exit codes 0, 1 or 2 only, never a stack trace.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class CaCliSpecs : IDisposable
{
    private static readonly UnixFileMode Mode0600 = (UnixFileMode)Convert.ToInt32("600", 8);
    private static readonly UnixFileMode Mode0644 = (UnixFileMode)Convert.ToInt32("644", 8);

    private readonly DirectoryInfo _empty = Directory.CreateTempSubdirectory("outcall-cwd-");
    private readonly DirectoryInfo _elsewhere = Directory.CreateTempSubdirectory("outcall-etc-");

    public void Dispose()
    {
        _empty.Delete(recursive: true);
        _elsewhere.Delete(recursive: true);
    }

    private string CaDir => Path.Combine(_elsewhere.FullName, "ca");
    private string CaCert => Path.Combine(CaDir, CaFiles.CertificateFileName);
    private string CaKey => Path.Combine(CaDir, CaFiles.KeyFileName);

    private async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        var (exit, stdout, stderr) = await OutcallProcess.RunAsync(_empty.FullName, args);
        Assert.DoesNotContain("Unhandled exception", stderr);
        Assert.DoesNotMatch(OutcallProcess.StackTrace, stderr);
        Assert.InRange(exit, 0, 2);
        return (exit, stdout, stderr);
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private async Task<string> InitCaAsync()
    {
        var (exit, stdout, stderr) = await RunAsync("ca", "init", "--dir", CaDir);
        Assert.Equal((0, ""), (exit, stderr));
        return stdout;
    }

    private static string FingerprintOf(string certificatePath)
    {
        using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(certificatePath));
        return CertificateAuthority.FingerprintOf(certificate);
    }

    private string ConfigWith(string body)
    {
        var path = Path.Combine(_elsewhere.FullName, "outcall.conf");
        File.WriteAllText(path, body);
        return path;
    }

    private string CaConfig() => ConfigWith($"""
        outcall.intercept.ca-cert = {JsonSerializer.Serialize(CaCert)}
        outcall.intercept.ca-key = {JsonSerializer.Serialize(CaKey)}
        outcall.admin.listen = ""
        """);

    [Fact]
    public async Task Ca_init_without_a_dir_writes_the_CA_into_the_working_directory_with_modes_0644_and_0600_S011_AS009()
    {
        var (exit, stdout, stderr) = await RunAsync("ca", "init");

        Assert.Equal((0, ""), (exit, stderr));
        var certificate = Path.Combine(_empty.FullName, CaFiles.CertificateFileName);
        var key = Path.Combine(_empty.FullName, CaFiles.KeyFileName);
        Assert.Equal(Mode0644, File.GetUnixFileMode(certificate));
        Assert.Equal(Mode0600, File.GetUnixFileMode(key));
        Assert.Contains($"SHA-256 fingerprint: {FingerprintOf(certificate)}", Lines(stdout));
        Assert.DoesNotContain("PRIVATE KEY", stdout);
    }

    [Fact]
    public async Task Ca_init_makes_a_ten_year_ECDSA_P256_root()
    {
        await InitCaAsync();

        using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(CaCert));
        using var key = certificate.GetECDsaPublicKey();
        Assert.Equal(256, key!.KeySize);
        Assert.True(certificate.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        Assert.InRange((certificate.NotAfter - certificate.NotBefore).TotalDays, 3650, 3660);
    }

    [Fact]
    public async Task Ca_init_refuses_to_overwrite_an_existing_CA_with_exit_1_and_leaves_it_as_it_was()
    {
        await InitCaAsync();
        var (certificate, key) = (File.ReadAllBytes(CaCert), File.ReadAllBytes(CaKey));

        var (exit, stdout, stderr) = await RunAsync("ca", "init", "--dir", CaDir);

        Assert.Equal((1, ""), (exit, stdout));
        Assert.Equal($"outcall ca init: {CaCert} already exists; refusing to overwrite a CA (agents may trust it)", Assert.Single(Lines(stderr)));
        Assert.Equal(certificate, File.ReadAllBytes(CaCert));
        Assert.Equal(key, File.ReadAllBytes(CaKey));
    }

    [Fact]
    public async Task Ca_bundle_prints_the_certificate_file_byte_for_byte_S011_AS010()
    {
        await InitCaAsync();

        using var process = OutcallProcess.Start(_empty.FullName, "ca", "bundle", "--ca-cert", CaCert);
        var stderr = OutcallProcess.StderrAsync(process);
        using var stdout = new MemoryStream();
        await process.StandardOutput.BaseStream.CopyToAsync(stdout).WaitAsync(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        SuiteLog.Write(OutcallProcess.Stdout, Encoding.UTF8.GetString(stdout.ToArray()));

        Assert.Equal((0, ""), (process.ExitCode, await stderr));
        Assert.Equal(File.ReadAllBytes(CaCert), stdout.ToArray());
    }

    [Fact]
    public async Task Ca_bundle_reads_the_CA_of_the_config_file()
    {
        await InitCaAsync();

        var (exit, stdout, _) = await RunAsync("ca", "bundle", "--config", CaConfig());

        Assert.Equal(0, exit);
        Assert.Equal(File.ReadAllText(CaCert), stdout);
    }

    [Theory]
    [InlineData("bundle")]
    [InlineData("status")]
    public async Task Ca_bundle_and_status_without_a_CA_set_exit_1_with_one_clear_line_S011_AS004(string command)
    {
        var (exit, stdout, stderr) = await RunAsync("ca", command);

        Assert.Equal((1, ""), (exit, stdout));
        Assert.Equal($"outcall ca {command}: no CA is set: set outcall.intercept.ca-cert and ca-key (or --ca-cert and --ca-key); make one with `outcall ca init`",
            Assert.Single(Lines(stderr)));
    }

    [Fact]
    public async Task Ca_status_shows_subject_fingerprint_validity_and_says_the_leaf_count_is_not_known_when_no_node_answers()
    {
        await InitCaAsync();
        using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(CaCert));
        var admin = OutcallProcess.ClosedPortUri();

        var (exit, stdout, stderr) = await RunAsync("ca", "status", "--ca-cert", CaCert, "--ca-key", CaKey, "--admin", admin);

        Assert.Equal((0, ""), (exit, stderr));
        var lines = Lines(stdout);
        Assert.Contains($"subject:       CN={CertificateAuthority.DefaultCommonName}", lines);
        Assert.Contains($"fingerprint:   SHA-256 {CertificateAuthority.FingerprintOf(certificate)}", lines);
        Assert.Contains($"valid:         {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm:ss}Z to {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm:ss}Z", lines);
        Assert.Contains(lines, line => line.StartsWith($"leaves cached: not known (cannot reach the admin API at {admin}/: ", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.StartsWith("state:         usable", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Ca_status_with_the_admin_API_disabled_describes_the_files_and_says_why_no_count()
    {
        await InitCaAsync();

        var (exit, stdout, _) = await RunAsync("ca", "status", "--config", CaConfig());

        Assert.Equal(0, exit);
        Assert.Contains("leaves cached: not known (the admin API is disabled (outcall.admin.listen is empty); pass --admin URL); at most 1024", Lines(stdout));
    }

    [Fact]
    public async Task Ca_status_of_a_key_open_to_others_exits_1_saying_the_node_would_refuse_it()
    {
        await InitCaAsync();
        File.SetUnixFileMode(CaKey, Mode0644);

        var (exit, stdout, stderr) = await RunAsync("ca", "status", "--ca-cert", CaCert, "--ca-key", CaKey, "--admin", OutcallProcess.ClosedPortUri());

        Assert.Equal(1, exit);
        Assert.Contains("state:         refused (the node will not start with it)", Lines(stdout));
        Assert.StartsWith($"outcall ca status: CA key {CaKey} has mode 0644", Assert.Single(Lines(stderr)));
    }

    [Fact]
    public async Task Run_with_a_ca_cert_but_no_ca_key_exits_1_naming_the_missing_key()
    {
        var (exit, _, stderr) = await RunAsync("run", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--ca-cert", CaCert);

        Assert.Equal(1, exit);
        Assert.Equal("outcall: config error: outcall.intercept.ca-key must be set when outcall.intercept.ca-cert is (--ca-key)", Assert.Single(Lines(stderr)));
    }

    [Fact]
    public async Task Env_prints_the_CA_trust_variables_when_a_CA_is_configured()
    {
        await InitCaAsync();

        var (exit, stdout, _) = await RunAsync("env", "--config", CaConfig());

        Assert.Equal(0, exit);
        var lines = Lines(stdout);
        Assert.Equal(10, lines.Length);
        foreach (var variable in new[] { "SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS", "REQUESTS_CA_BUNDLE", "GIT_SSL_CAINFO" })
            Assert.Contains($"{variable}={CaCert}", lines);
    }

    [Fact]
    public async Task Env_without_a_CA_prints_no_CA_variables()
    {
        var (exit, stdout, _) = await RunAsync("env");

        Assert.Equal(0, exit);
        Assert.DoesNotContain(Lines(stdout), line => line.StartsWith("SSL_CERT_FILE=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Env_prints_a_placeholder_line_per_secret_and_never_the_secret_value()
    {
        var value = TestSecrets.New("github-token");
        var secretFile = Path.Combine(_elsewhere.FullName, "github.token");
        File.WriteAllText(secretFile, value + "\n");
        var config = ConfigWith($$"""
            outcall.secrets {
              github-token { value-from-file = {{JsonSerializer.Serialize(secretFile)}}, hosts = ["api.github.com", ".github.com"] }
              OPENAI_KEY { value-from-env = "OUTCALL_TEST_UNSET_VARIABLE", hosts = ["api.openai.com"] }
            }
            """);

        var (exit, stdout, stderr) = await RunAsync("env", "--config", config);

        Assert.Equal(0, exit);
        var lines = Lines(stdout);
        Assert.Equal(["OPENAI_KEY=outcall-secret-OPENAI_KEY", "GITHUB_TOKEN=outcall-secret-github-token"], lines[^2..]);
        Assert.DoesNotContain(value, stdout + stderr);
    }

    [Fact]
    public async Task Env_refuses_a_secret_name_that_cannot_be_a_placeholder()
    {
        var config = ConfigWith("""outcall.secrets { "bad name" { value-from-env = "X", hosts = ["a.test"] } }""");

        var (exit, stdout, stderr) = await RunAsync("env", "--config", config);

        Assert.Equal((1, ""), (exit, stdout));
        Assert.Equal("outcall: config error: outcall.secrets.bad name: a secret name is letters, digits, '_' and '-'", Assert.Single(Lines(stderr)));
    }

    [Theory]
    [InlineData("ca", "--help")]
    [InlineData("ca", "status", "--help")]
    public async Task Ca_help_works_from_any_directory(params string[] args)
    {
        var (exit, stdout, stderr) = await RunAsync(args);

        Assert.Equal((0, ""), (exit, stderr));
        Assert.Contains("Usage:", stdout);
    }
}
