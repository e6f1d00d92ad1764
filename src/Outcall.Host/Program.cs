using Outcall.Host.Cli;

namespace Outcall.Host;

public static class Program
{
    /// <summary>Exit codes: 0 success, 1 the operator must fix something, 2 the command line is wrong.</summary>
    public static Task<int> Main(string[] args) => CommandLine.RunAsync(args, Console.Out, Console.Error);
}
