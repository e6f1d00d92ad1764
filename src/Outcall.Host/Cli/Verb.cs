using System.CommandLine;
using System.CommandLine.Invocation;

namespace Outcall.Host.Cli;

/// <summary>The System.CommandLine action of every outcall command: read the flags into a <see cref="CliCommand"/>, run it.</summary>
internal sealed class Verb(Func<ParseResult, CliCommand> bind) : AsynchronousCommandLineAction
{
    public CliCommand Bind(ParseResult result) => bind(result);

    public override Task<int> InvokeAsync(ParseResult parseResult, CancellationToken cancellationToken = default) =>
        Bind(parseResult).RunAsync(parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error);

    /// <summary>A command that runs <paramref name="bind"/>'s result, with its options.</summary>
    public static Command Command(string name, string description, Func<ParseResult, CliCommand> bind, params Option[] options)
    {
        var command = new Command(name, description) { Action = new Verb(bind) };
        foreach (var option in options) command.Options.Add(option);
        return command;
    }

    /// <summary>A command that calls a running node's admin API: --admin URL, else the configured admin address.</summary>
    public static Command AdminClient(string name, string description, Func<string?, string?, CliCommand> bind)
    {
        var admin = CliOptions.AdminUrl();
        return Command(name, description, result => bind(result.GetValue(admin), result.GetValue(CliOptions.Config)), admin);
    }
}
