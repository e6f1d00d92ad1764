namespace Outcall.Host.Cli;

/// <summary>A wrong command line: printed as one `outcall: ...` line, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>
/// What one command line asks for, with its flags read. Running it gives the exit code: 0 done, 1 the operator
/// must fix something (a <see cref="StartupException"/> says what), 2 the command line is wrong (a <see cref="UsageException"/>).
/// </summary>
public abstract record CliCommand
{
    public abstract Task<int> RunAsync(TextWriter stdout, TextWriter stderr);
}
