using System.CommandLine;
using System.CommandLine.Help;

namespace Outcall.Host.Cli;

/// <summary>
/// The one parser of every `outcall` command (System.CommandLine). A command group lives in its own file
/// with a <c>Define()</c>; adding one is that file and a line in <see cref="Build"/>.
/// </summary>
public static class CommandLine
{
    private static readonly Command Root = Build();

    /// <summary>No @response files: an argument that starts with @ is an argument.</summary>
    private static readonly ParserConfiguration Parsing = new() { ResponseFileTokenReplacer = null };

    /// <summary>
    /// A plain command named outcall, not a RootCommand: that one takes its name from the running executable
    /// (dotnet, a test host) and brings the [suggest] directive; help and version are added as RootCommand adds them.
    /// </summary>
    private static Command Build()
    {
        var root = new Command("outcall", "Outcall: an egress proxy that judges every request of sandboxed AI agents by its rules.")
        {
            new HelpOption(),
            new VersionOption(),
            CliOptions.Config,
            RunCommand.Define(),
            EnvCommand.Define(),
            RulesCommand.Define(),
            TailCommand.Define(),
            ProxyCommand.Define(),
            ClusterCommand.Define(),
            CaCommand.Define(),
        };
        foreach (var option in RunCommand.Options) root.Options.Add(option);
        root.Action = new Verb(RunCommand.Bind);
        return root;
    }

    /// <summary>Parses and runs; usage errors are one `outcall: ...` line on stderr and exit code 2.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            var result = Checked(Root.Parse(args, Parsing));
            // No process-termination timeout: `run` drains on SIGTERM in its own time (FR-015).
            var invocation = new InvocationConfiguration
            {
                Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null,
            };
            return await result.InvokeAsync(invocation).ConfigureAwait(false);
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"outcall: {ParseErrors.Printable(e.Message)}");
            return 2;
        }
        catch (StartupException e)
        {
            stderr.WriteLine($"outcall: {e.Message}");
            return 1;
        }
    }

    /// <summary>The command a command line runs, with its flags read; null for --help and --version.</summary>
    /// <exception cref="UsageException">The command line is wrong.</exception>
    public static CliCommand? Parse(string[] args)
    {
        var result = Checked(Root.Parse(args, Parsing));
        return result.Action is Verb verb ? verb.Bind(result) : null;
    }

    private static ParseResult Checked(ParseResult result) =>
        ParseErrors.Describe(result) is { } problem ? throw new UsageException(problem) : result;
}
