using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Outcall.Tests.SuiteLogs;

namespace Outcall.Tests.Proxy;

/// <summary>
/// A refused upload is read to its end before the connection closes, so a client that writes its whole
/// body before reading (Python requests with a generator, curl -T) reads the 403 instead of failing its
/// write with EPIPE (issue 12; FR-008 / IF-004); the same holds for a 502 answered before the upload was
/// sent anywhere. Bounded by outcall.proxy.max-refused-body-bytes.
/// </summary>
public sealed class RefusedUploadSpecs() : ProxiedUpstreamSpecs(Rules)
{
    private const string Rules = """
        version: "1"
        rules:
          - id: no-uploads
            condition: http.path.startsWith("/upload")
            action: block
            priority: 10
          - id: allow-loopback
            condition: network.hostname in ["127.0.0.1", "nowhere.test"]
            action: allow
            egress:
              allow_private_ips: true
        """;

    private const int UploadBytes = 8 * 1024 * 1024;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private const string Refusal = "Blocked by outcall: rule no-uploads";

    private string Head(string framing) =>
        $"POST http://{Upstream.Authority}/upload HTTP/1.1\r\nHost: {Upstream.Authority}\r\n{framing}\r\n";

    /// <summary>Writes all of it, bounded in time; a proxy that stopped reading fails this with a reset or a timeout.</summary>
    private static async Task SendAllAsync(Socket socket, byte[] bytes)
    {
        using var deadline = new CancellationTokenSource(Wait);
        await socket.SendAsync(bytes, SocketFlags.None, deadline.Token);
    }

    /// <summary>The client, done writing, reads the IF-004 403 to its end and a clean close; nothing reached the upstream.</summary>
    private async Task AssertWholeRefusalReadAsync(Socket socket)
    {
        var response = await RawIo.ReadUntilCloseAsync(socket, Wait);
        Assert.StartsWith("HTTP/1.1 403 Forbidden\r\n", response);
        Assert.EndsWith(Refusal, response);
        Assert.Equal(0, Upstream.Connections);
    }

    [Fact]
    public async Task A_blocked_8_MiB_chunked_upload_written_before_reading_still_gets_its_403()
    {
        using var socket = await Proxy.ConnectRawAsync();
        await SendAllAsync(socket, Encoding.ASCII.GetBytes(Head("Transfer-Encoding: chunked\r\n")));
        var chunk = HttpUpstream.Pattern(64 * 1024);
        var chunkHeader = Encoding.ASCII.GetBytes($"{chunk.Length:x}\r\n");
        for (var sent = 0; sent < UploadBytes; sent += chunk.Length)
        {
            await SendAllAsync(socket, chunkHeader);
            await SendAllAsync(socket, chunk);
            await SendAllAsync(socket, "\r\n"u8.ToArray());
        }
        await SendAllAsync(socket, "0\r\n\r\n"u8.ToArray());

        await AssertWholeRefusalReadAsync(socket);
    }

    [Fact]
    public async Task A_blocked_8_MiB_Content_Length_upload_written_before_reading_still_gets_its_403()
    {
        using var socket = await Proxy.ConnectRawAsync();
        await SendAllAsync(socket, Encoding.ASCII.GetBytes(Head($"Content-Length: {UploadBytes}\r\n")));
        await SendAllAsync(socket, new byte[UploadBytes]);

        await AssertWholeRefusalReadAsync(socket);
    }

    [Fact]
    public async Task An_8_MiB_upload_to_a_name_that_does_not_resolve_still_gets_its_502()
    {
        using var socket = await Proxy.ConnectRawAsync();
        await SendAllAsync(socket, Encoding.ASCII.GetBytes(
            $"PUT http://nowhere.test/file HTTP/1.1\r\nHost: nowhere.test\r\nContent-Length: {UploadBytes}\r\n\r\n"));
        await SendAllAsync(socket, new byte[UploadBytes]);

        var response = await RawIo.ReadUntilCloseAsync(socket, Wait);
        Assert.StartsWith("HTTP/1.1 502 ", response);
        Assert.Contains("DNS resolution failed", response);
    }

    [Fact]
    public async Task A_blocked_upload_that_waits_for_100_Continue_gets_the_403_without_sending_its_body()
    {
        using var socket = await Proxy.ConnectRawAsync();
        await SendAllAsync(socket, Encoding.ASCII.GetBytes(Head($"Content-Length: {UploadBytes}\r\nExpect: 100-continue\r\n")));

        var response = await RawIo.ReadUntilCloseAsync(socket, Wait);
        Assert.StartsWith("HTTP/1.1 403 Forbidden\r\n", response);
        Assert.DoesNotContain("100 Continue", response);
    }

    [Fact]
    public async Task A_refused_body_larger_than_the_budget_is_not_waited_for()
    {
        await using var proxy = await ProxyHarness.StartAsync(Rules, "outcall.proxy.max-refused-body-bytes = 1MiB");
        using var socket = await proxy.ConnectRawAsync();
        await SendAllAsync(socket, Encoding.ASCII.GetBytes(Head($"Content-Length: {UploadBytes}\r\n")));

        // No body is sent: the 403 and the close come anyway (within the linger, not the idle timeout).
        var response = await RawIo.ReadUntilCloseAsync(socket, Wait);
        Assert.StartsWith("HTTP/1.1 403 Forbidden\r\n", response);
        Assert.Contains("Connection: close\r\n", response);
    }

    [Theory]
    [InlineData("--upload-file")]
    [InlineData("--data-binary")]
    public async Task Curl_reads_the_403_of_a_blocked_8_MiB_upload_with_and_without_Expect(string option)
    {
        var file = Path.Combine(Proxy.RulesDir.FullName, "upload.bin");
        await File.WriteAllBytesAsync(file, HttpUpstream.Pattern(UploadBytes));
        var body = option == "--upload-file" ? file : "@" + file;
        foreach (var expect in new[] { "Expect: 100-continue", "Expect:" })
        {
            var (exitCode, stdout, stderr) = await RunCurlAsync(
                "-q", "-sS", "-x", Proxy.ProxyUri.ToString(), option, body, "-H", expect, "-w", "\n%{http_code}",
                $"http://{Upstream.Authority}/upload");

            Assert.True(exitCode == 0, $"curl ({expect}) exited {exitCode}: {stderr}");
            Assert.Equal($"{Refusal}\n403", stdout);
        }
        Assert.Equal(0, Upstream.Connections);
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunCurlAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("curl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        // No proxy from the environment: the only proxy is the one on the command line.
        foreach (var variable in new[] { "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy" })
            start.Environment.Remove(variable);
        using var process = Process.Start(start)!;
        var stdout = SuiteLog.ReadToEndAsync(process.StandardOutput, "curl");
        var stderr = SuiteLog.ReadToEndAsync(process.StandardError, "curl");
        using var deadline = new CancellationTokenSource(Wait);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException($"curl did not finish within {Wait}");
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
