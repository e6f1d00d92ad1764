using System.Diagnostics;
using System.Text;
using Outcall.Tests.Settings;

namespace Outcall.Tests.SuiteLogs;

/// <summary>
/// tests/scan-suite-logs, which .ci/run runs after the whole suite (issue 14: the logs of the whole suite never
/// contain a secret value), on directories planted here: it finds a value however it was written and never prints it.
/// </summary>
public sealed class SecretScanSpecs : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("outcall-scan-");
    private readonly string _value = TestSecrets.Distinctive("planted");

    public void Dispose() => _dir.Delete(recursive: true);

    private void Register(string name, string value) =>
        File.AppendAllText(Path.Combine(_dir.FullName, TestSecrets.Registry), TestSecrets.RegistryLines(name, value));

    private string Log(string file, string text)
    {
        var path = Path.Combine(Directory.CreateDirectory(Path.Combine(_dir.FullName, "logs")).FullName, file);
        File.WriteAllText(path, text);
        return path;
    }

    private async Task<(int Exit, string Out, string Err)> ScanAsync()
    {
        var info = new ProcessStartInfo(RepositoryFiles.PathOf("tests/scan-suite-logs")) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(_dir.FullName);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task A_value_in_a_log_fails_the_scan_naming_the_file_and_the_secret_but_never_the_value()
    {
        Register("planted", _value);
        Log("clean.log", "[node] nothing to see\n");
        var leaky = Log("leaky.log", $"[node] {{\"@mt\":\"header\",\"Value\":\"Bearer {_value}\"}}\n");

        var (exit, stdout, stderr) = await ScanAsync();

        Assert.Equal(1, exit);
        Assert.Equal($"scan-suite-logs: secret 'planted' appears in {leaky}", stdout.Trim());
        Assert.All(TestSecrets.Forms(_value), form => Assert.DoesNotContain(form, stdout + stderr));
    }

    [Theory]
    [InlineData("")]
    [InlineData("x")]
    [InlineData("ab")]
    [InlineData("x-access-token")]
    public async Task A_value_inside_Basic_credentials_fails_the_scan_whatever_the_user_name(string user)
    {
        Register("planted", _value);
        Log("basic.log", $"[outcall-stdout] Authorization: Basic {Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{_value}"))}\n");

        var (exit, stdout, _) = await ScanAsync();

        Assert.Equal(1, exit);
        Assert.Contains("secret 'planted' appears in", stdout);
    }

    [Fact]
    public async Task Logs_holding_no_registered_value_pass_the_scan()
    {
        Register("planted", _value);
        Register("other", TestSecrets.Distinctive("other"));
        Log("node.log", $"[node] the placeholder outcall-secret-planted and a different value {TestSecrets.Distinctive("planted")}\n");

        var (exit, stdout, _) = await ScanAsync();

        Assert.Equal(0, exit);
        Assert.Equal("scan-suite-logs: none of 2 secret(s) appears in 1 log file(s)", stdout.Trim());
    }

    [Fact]
    public async Task Nothing_collected_fails_the_scan_rather_than_passing_it()
    {
        Register("planted", _value);

        var (exit, _, stderr) = await ScanAsync();

        Assert.Equal(2, exit);
        Assert.Contains("no secrets registered or no logs collected", stderr);
    }
}
