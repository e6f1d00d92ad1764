using System.Text;

namespace Outcall.Tests.SuiteLogs;

/// <summary>
/// One suite-wide copy of every log the specs produce (in-process nodes, Akka adapters, Console, what the
/// child outcall, curl and git processes printed, as the helpers read it), so that .ci/run can check after the last spec that none holds a
/// secret value (issue 14). It is written only when OUTCALL_SUITE_LOGS names a directory: lines go to
/// logs/testhost-&lt;pid&gt;.log there, whole lines at a time so that concurrent sources never split a value.
/// </summary>
internal static class SuiteLog
{
    public const string Variable = "OUTCALL_SUITE_LOGS";

    private static readonly Lock Gate = new();

    /// <summary>The directory the suite writes to, or null when nothing is collected (a bare `dotnet test`).</summary>
    public static string? Directory { get; } = Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } dir ? dir : null;

    private static readonly StreamWriter? Writer = Open();

    private static StreamWriter? Open()
    {
        if (Directory is null) return null;
        var logs = System.IO.Directory.CreateDirectory(Path.Combine(Directory, "logs"));
        var file = new FileStream(Path.Combine(logs.FullName, $"testhost-{Environment.ProcessId}.log"), FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        // Flushed at every line: the process may end without disposing anything.
        return new StreamWriter(file, new UTF8Encoding(false)) { AutoFlush = true };
    }

    /// <summary>The rest of a child process's stream (outcall, curl, git), copied here once read.</summary>
    public static async Task<string> ReadToEndAsync(StreamReader stream, string source)
    {
        var text = await stream.ReadToEndAsync();
        Write(source, text);
        return text;
    }

    /// <summary>Copies <paramref name="text"/> (one or more lines) under the name of its source.</summary>
    public static void Write(string source, string? text)
    {
        if (Writer is null || string.IsNullOrEmpty(text)) return;
        var lines = text.Split('\n');
        lock (Gate)
        {
            foreach (var line in lines) Writer.WriteLine($"[{source}] {line.TrimEnd('\r')}");
        }
    }
}
