using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Outcall.Tests.SuiteLogs;

namespace Outcall.Tests.Cli;

/// <summary>The real `outcall` executable (the built outcall.dll under `dotnet`), run as an operator runs it.</summary>
internal static partial class OutcallProcess
{
    /// <summary>The suite log's names for what a child printed, for the helpers that read its streams themselves.</summary>
    public const string Stdout = "outcall-stdout", Stderr = "outcall-stderr";

    private static readonly string OutcallDll = Path.Combine(AppContext.BaseDirectory, "outcall.dll");

    /// <summary>A stack trace line as the runtime prints an unhandled exception.</summary>
    public static readonly Regex StackTrace = StackTraceLine();

    public static Process Start(string workingDirectory, params string[] args) => Start(["dotnet"], workingDirectory, args);

    /// <summary>The executable under an open-file limit (soft and hard) of <paramref name="openFiles"/>, as `ulimit -n` or systemd's LimitNOFILE sets it.</summary>
    public static Process StartWithOpenFileLimit(int openFiles, string workingDirectory, params string[] args) =>
        Start(["prlimit", $"--nofile={openFiles}:{openFiles}", "--", "dotnet"], workingDirectory, args);

    /// <param name="command">What runs outcall.dll: `dotnet`, or a launcher that ends in it.</param>
    private static Process Start(string[] command, string workingDirectory, string[] args)
    {
        var info = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory,
        };
        foreach (var arg in command[1..]) info.ArgumentList.Add(arg);
        info.ArgumentList.Add(OutcallDll);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        return Process.Start(info)!;
    }

    /// <summary>A command that ends by itself: its exit code and both streams, within a minute.</summary>
    public static async Task<(int Exit, string Out, string Err)> RunAsync(string workingDirectory, params string[] args)
    {
        using var process = Start(workingDirectory, args);
        var stdout = SuiteLog.ReadToEndAsync(process.StandardOutput, Stdout);
        var stderr = StderrAsync(process);
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Everything the child writes to standard error, read to its end.</summary>
    public static Task<string> StderrAsync(Process process) => SuiteLog.ReadToEndAsync(process.StandardError, Stderr);

    /// <summary>The port from the "listening on" line, and the rest of standard output, read on so the process never blocks on a full pipe.</summary>
    public static async Task<(int Port, Task<string> Output)> ListeningPortAsync(Process process)
    {
        while (true)
        {
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.NotNull(line);
            SuiteLog.Write(Stdout, line);
            var listening = Regex.Match(line, @"Outcall proxy listening on 127\.0\.0\.1:(\d+)");
            if (listening.Success) return (int.Parse(listening.Groups[1].Value), SuiteLog.ReadToEndAsync(process.StandardOutput, Stdout));
        }
    }

    /// <summary>A loopback admin URL nothing listens on: the port bound by us, then released.</summary>
    public static string ClosedPortUri()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}";
    }

    /// <summary>SIGTERM, as docker stop and systemd send it.</summary>
    public static void Terminate(Process process) => Assert.Equal(0, Kill(process.Id, 15));

    /// <summary>SIGINT, as Ctrl+C in a terminal sends it.</summary>
    public static void Interrupt(Process process) => Assert.Equal(0, Kill(process.Id, 2));

    /// <summary>SIGKILL: the process dies at once, with no shutdown of any kind (a crash, an OOM kill).</summary>
    public static void KillAbruptly(Process process) => Assert.Equal(0, Kill(process.Id, 9));

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    [GeneratedRegex(@"^\s+at \S+", RegexOptions.Multiline)]
    private static partial Regex StackTraceLine();
}
