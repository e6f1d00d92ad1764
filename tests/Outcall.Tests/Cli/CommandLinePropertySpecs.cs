using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Outcall.Host.Cli;

namespace Outcall.Tests.Cli;

/// <summary>
/// Issue 17: whatever an operator types, outcall answers with exit code 0, 1 or 2 and never a stack trace; a
/// wrong command line (2) is one `outcall: ...` line. Generated argument lists: known and unknown flags,
/// missing values, repeated flags, --flag=value, odd Unicode. Many in process, a few through the real binary.
/// </summary>
public sealed class CommandLinePropertySpecs : IDisposable
{
    private readonly DirectoryInfo _empty = Directory.CreateTempSubdirectory("outcall-prop-cwd-");
    private readonly DirectoryInfo _files = Directory.CreateTempSubdirectory("outcall-prop-");

    private static readonly string[][] Commands =
    [
        [], ["run"], ["env"], ["rules"], ["rules", "check"], ["rules", "list"], ["rules", "test"], ["rules", "reload"],
        ["proxy"], ["proxy", "status"], ["cluster"], ["cluster", "status"], ["frobnicate"],
    ];

    private static readonly string[] Flags =
    [
        "--config", "--listen", "--rules-dir", "--admin-listen", "--admin", "--proxy-url", "--expr", "--context", "--help",
        "--frobnicate", "-x", "-", "--", "---", "--LISTEN", "\u2014listen", "--config\u200b", "-h",
    ];

    /// <summary>Placeholders CONF (admin API disabled), RULES, CLOSED (a port nobody listens on) are filled in per run.</summary>
    private static readonly string[] Values =
    [
        "CONF", "RULES", "CLOSED", "/nonexistent/outcall.conf", "127.0.0.1:0", "localhost:80", "[::1]:0", "http://127.0.0.1:1/x",
        "true", "network.port ==", "network.hostname", "{}", "{\"network\":{\"port\":\"x\"}}", "[1", "", " ", "=", "=x",
        "\u00e9t\u00e9", "\u202e\u202d", "\ud83d\ude00", "\ud800", "\uffff", "a\nb", "\u001b[2J", "@response", "[suggest]",
        "\u65e5\u672c\u8a9e", "run", "rules",
    ];

    private static readonly Gen<string> Token = Gen.OneOf(
        Gen.Elements(Flags),
        Gen.Elements(Values),
        from flag in Gen.Elements(Flags) from value in Gen.Elements(Values) select $"{flag}={value}");

    private static readonly Gen<string[]> ArgumentLists =
        from command in Gen.Elements(Commands)
        from size in Gen.Choose(0, 6)
        from rest in Gen.ArrayOf(Token, size)
        select command.Concat(rest).ToArray();

    public CommandLinePropertySpecs()
    {
        File.WriteAllText(Path.Combine(_files.FullName, "outcall.conf"), "outcall.admin.listen = \"\"\n");
        Directory.CreateDirectory(Path.Combine(_files.FullName, "rules.d"));
    }

    public void Dispose()
    {
        _empty.Delete(recursive: true);
        _files.Delete(recursive: true);
    }

    private string[] Fill(string[] args) => args.Select(arg => arg
        .Replace("CONF", Path.Combine(_files.FullName, "outcall.conf"))
        .Replace("RULES", Path.Combine(_files.FullName, "rules.d"))
        .Replace("CLOSED", "http://127.0.0.1:1")).ToArray();

    /// <summary>
    /// A command line that would start a proxy (on the fixed default ports) or call the default admin address:
    /// the generated lists skip running those, and the dedicated specs run them with ports of their own.
    /// </summary>
    private static bool WouldTouchFixedPorts(string[] args)
    {
        CliCommand? command;
        try
        {
            command = CommandLine.Parse(args);
        }
        catch (UsageException)
        {
            return false;
        }
        return command switch
        {
            RunCommand => true,
            ProxyStatusCommand { AdminUrl: null, ConfigFile: null } or RulesReloadCommand { AdminUrl: null, ConfigFile: null }
                or ClusterStatusCommand { AdminUrl: null, ConfigFile: null } => true,
            _ => false,
        };
    }

    private static bool Answers(int exit, string stdout, string stderr)
    {
        if (exit is < 0 or > 2) return false;
        if (OutcallProcess.StackTrace.IsMatch(stdout + stderr) || stderr.Contains("Unhandled exception", StringComparison.Ordinal)) return false;
        return exit != 2 || (stderr.StartsWith("outcall: ", StringComparison.Ordinal) && stderr.TrimEnd().Split('\n').Length == 1);
    }

    [Property(MaxTest = 1000)]
    public Property Any_argument_list_parsed_in_process_exits_0_1_or_2_with_no_stack_trace() =>
        Prop.ForAll(ArgumentLists.ToArbitrary(), generated =>
        {
            var args = Fill(generated);
            if (WouldTouchFixedPorts(args)) return true;
            using var stdout = new StringWriter();
            using var stderr = new StringWriter();
            var exit = CommandLine.RunAsync(args, stdout, stderr).GetAwaiter().GetResult();
            return Answers(exit, stdout.ToString(), stderr.ToString());
        });

    /// <summary>A process start costs ~0.5 s: a handful of lists, from an empty working directory.</summary>
    [Property(MaxTest = 25)]
    public Property Any_argument_list_given_to_the_real_binary_exits_0_1_or_2_with_no_stack_trace() =>
        Prop.ForAll(ArgumentLists.ToArbitrary(), generated =>
        {
            var args = Fill(generated).Where(arg => !arg.Contains('\0')).ToArray();
            if (WouldTouchFixedPorts(args)) return true;
            var (exit, stdout, stderr) = OutcallProcess.RunAsync(_empty.FullName, args).GetAwaiter().GetResult();
            return Answers(exit, stdout, stderr);
        });
}
