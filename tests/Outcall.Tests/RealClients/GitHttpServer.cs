using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Outcall.Tests.SuiteLogs;

namespace Outcall.Tests.RealClients;

/// <summary>
/// A git server on 127.0.0.1:0: Kestrel running `git http-backend` as a CGI over one bare repository,
/// `/repo.git`, that holds one commit (`README` = "hello") and accepts anonymous pushes
/// (`http.receivepack`). Over https it serves a self-signed certificate for <see cref="HostName"/>,
/// whose PEM is <see cref="CertificatePemPath"/> (git's CA file).
/// </summary>
internal sealed class GitHttpServer : IAsyncDisposable
{
    public const string HostName = "git.test";
    private readonly WebApplication _app;
    private readonly DirectoryInfo _root;

    public int Port { get; }
    public bool Https { get; }
    public string? CertificatePemPath { get; }
    public string BareRepository => Path.Combine(_root.FullName, "repo.git");
    /// <summary>The repository's URL by name: only the proxy (with the name mapped) can reach it.</summary>
    public string RepositoryUrl => $"{(Https ? "https" : "http")}://{HostName}:{Port}/repo.git";

    private GitHttpServer(WebApplication app, DirectoryInfo root, int port, bool https, string? pem)
    {
        _app = app;
        _root = root;
        Port = port;
        Https = https;
        CertificatePemPath = pem;
    }

    public static async Task<GitHttpServer> StartAsync(bool https)
    {
        var root = Directory.CreateTempSubdirectory("outcall-git-");
        await SeedAsync(root.FullName);
        X509Certificate2? certificate = https ? Certificate() : null;
        string? pem = null;
        if (certificate is not null)
        {
            pem = Path.Combine(root.FullName, "server.pem");
            await File.WriteAllTextAsync(pem, certificate.ExportCertificatePem());
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                if (certificate is not null) listen.UseHttps(certificate);
            });
        });
        var app = builder.Build();
        app.Run(context => ServeCgiAsync(context, root.FullName));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new GitHttpServer(app, root, new Uri(address).Port, https, pem);
    }

    /// <summary>The subject of the newest commit on main, read from the bare repository itself.</summary>
    public async Task<string> HeadSubjectAsync() =>
        (await Git.RunAsync(_root.FullName, "--git-dir", BareRepository, "log", "-1", "--format=%s", "main")).Output.Trim();

    private static async Task SeedAsync(string root)
    {
        var seed = Path.Combine(root, "seed");
        Directory.CreateDirectory(seed);
        await Git.RunCheckedAsync(root, "init", "--bare", "--initial-branch=main", "repo.git");
        await Git.RunCheckedAsync(root, "--git-dir", Path.Combine(root, "repo.git"), "config", "http.receivepack", "true");
        await Git.RunCheckedAsync(seed, "init", "--initial-branch=main");
        await File.WriteAllTextAsync(Path.Combine(seed, "README"), "hello\n");
        await Git.RunCheckedAsync(seed, "add", "README");
        await Git.RunCheckedAsync(seed, "commit", "-m", "first");
        await Git.RunCheckedAsync(seed, "push", Path.Combine(root, "repo.git"), "main");
    }

    private static X509Certificate2 Certificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={HostName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(HostName);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>RFC 3875 CGI: the request as environment and stdin, the answer as header lines and a body on stdout.</summary>
    private static async Task ServeCgiAsync(HttpContext context, string projectRoot)
    {
        var request = context.Request;
        var info = new ProcessStartInfo("git")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        info.ArgumentList.Add("http-backend");
        info.Environment["GIT_PROJECT_ROOT"] = projectRoot;
        info.Environment["GIT_HTTP_EXPORT_ALL"] = "1";
        info.Environment["GATEWAY_INTERFACE"] = "CGI/1.1";
        info.Environment["SERVER_PROTOCOL"] = request.Protocol;
        info.Environment["REQUEST_METHOD"] = request.Method;
        info.Environment["PATH_INFO"] = request.Path.Value ?? "/";
        info.Environment["QUERY_STRING"] = request.QueryString.HasValue ? request.QueryString.Value![1..] : "";
        info.Environment["REMOTE_ADDR"] = context.Connection.RemoteIpAddress?.ToString() ?? "";
        if (request.ContentType is { } type) info.Environment["CONTENT_TYPE"] = type;
        if (request.ContentLength is { } length) info.Environment["CONTENT_LENGTH"] = length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (request.Headers.ContentEncoding.ToString() is { Length: > 0 } encoding) info.Environment["HTTP_CONTENT_ENCODING"] = encoding;
        if (request.Headers["Git-Protocol"].ToString() is { Length: > 0 } protocol) info.Environment["GIT_PROTOCOL"] = protocol;

        using var backend = Process.Start(info)!;
        var errors = SuiteLog.ReadToEndAsync(backend.StandardError, "git-http-backend");
        var input = FeedAsync(request.Body, backend.StandardInput.BaseStream);
        var output = backend.StandardOutput.BaseStream;
        foreach (var line in await ReadHeaderLinesAsync(output))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0) continue;
            var (name, value) = (line[..colon].Trim(), line[(colon + 1)..].Trim());
            if (name.Equals("Status", StringComparison.OrdinalIgnoreCase)) context.Response.StatusCode = int.Parse(value[..3], System.Globalization.CultureInfo.InvariantCulture);
            else context.Response.Headers.Append(name, value);
        }
        await output.CopyToAsync(context.Response.Body);
        await input;
        await backend.WaitForExitAsync();
        _ = await errors;
    }

    private static async Task FeedAsync(Stream body, Stream stdin)
    {
        await using (stdin) await body.CopyToAsync(stdin);
    }

    /// <summary>The CGI header lines, up to the empty line; the stream is left at the first body byte.</summary>
    private static async Task<List<string>> ReadHeaderLinesAsync(Stream output)
    {
        var lines = new List<string>();
        var line = new StringBuilder();
        var one = new byte[1];
        while (await output.ReadAsync(one) == 1)
        {
            if (one[0] == '\r') continue;
            if (one[0] != '\n')
            {
                line.Append((char)one[0]);
                continue;
            }
            if (line.Length == 0) break;
            lines.Add(line.ToString());
            line.Clear();
        }
        return lines;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _root.Delete(recursive: true);
    }
}

/// <summary>The real git binary with a private HOME and no proxy from the environment, bounded in time.</summary>
internal static class Git
{
    public static Task<(int Exit, string Output)> RunAsync(string workingDirectory, params string[] args) =>
        RunAsync(workingDirectory, new Dictionary<string, string>(), args);

    public static async Task<(int Exit, string Output)> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo("git")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory,
        };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var name in new[] { "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy" })
            info.Environment.Remove(name);
        info.Environment["HOME"] = workingDirectory;
        info.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        info.Environment["GIT_TERMINAL_PROMPT"] = "0";
        info.Environment["GIT_AUTHOR_NAME"] = info.Environment["GIT_COMMITTER_NAME"] = "Outcall Test";
        info.Environment["GIT_AUTHOR_EMAIL"] = info.Environment["GIT_COMMITTER_EMAIL"] = "test@outcall.invalid";
        foreach (var (name, value) in environment) info.Environment[name] = value;
        using var git = Process.Start(info)!;
        var stdout = SuiteLog.ReadToEndAsync(git.StandardOutput, "git");
        var stderr = SuiteLog.ReadToEndAsync(git.StandardError, "git");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await git.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            git.Kill(entireProcessTree: true);
            throw new TimeoutException($"git {string.Join(' ', args)} did not finish in 90 s: {await stderr}");
        }
        return (git.ExitCode, await stdout + await stderr);
    }

    public static async Task<string> RunCheckedAsync(string workingDirectory, params string[] args)
    {
        var (exit, output) = await RunAsync(workingDirectory, args);
        if (exit != 0) throw new InvalidOperationException($"git {string.Join(' ', args)} exited {exit}: {output}");
        return output;
    }
}
