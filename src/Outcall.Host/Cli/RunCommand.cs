using System.CommandLine;

namespace Outcall.Host.Cli;

/// <summary>
/// `outcall [run] [--config FILE] [--listen ADDR:PORT] [--rules-dir DIR] [--admin-listen ADDR:PORT] [--ca-cert FILE --ca-key FILE]`:
/// runs the proxy until SIGTERM or SIGINT (the default command).
/// </summary>
public sealed record RunCommand(string? ConfigFile, string? Listen, string? RulesDir, string? AdminListen = null, string? CaCert = null, string? CaKey = null)
    : CliCommand
{
    private static readonly Option<string> ListenOption = CliOptions.Endpoint("--listen", "where the proxy listens", "outcall.proxy.listen");
    private static readonly Option<string> RulesDirOption = CliOptions.RulesDir();
    private static readonly Option<string> AdminListenOption = CliOptions.Endpoint("--admin-listen", "where the admin API listens", "outcall.admin.listen");
    private static readonly Option<string> CaCertOption = CaCommand.CaCert();
    private static readonly Option<string> CaKeyOption = CaCommand.CaKey();

    /// <summary>Taken by `run` and, run being the default, by `outcall` without a command.</summary>
    internal static Option[] Options => [ListenOption, RulesDirOption, AdminListenOption, CaCertOption, CaKeyOption];

    internal static Command Define() => Verb.Command("run", "Run the proxy until SIGTERM or SIGINT (the default command)", Bind, Options);

    internal static CliCommand Bind(ParseResult result) => new RunCommand(
        result.GetValue(CliOptions.Config), result.GetValue(ListenOption), result.GetValue(RulesDirOption), result.GetValue(AdminListenOption),
        result.GetValue(CaCertOption), result.GetValue(CaKeyOption));

    public override async Task<int> RunAsync(TextWriter stdout, TextWriter stderr)
    {
        var config = ConfigLayers.Load(ConfigFile,
            ("outcall.proxy.listen", Listen), ("outcall.rules.dir", RulesDir), ("outcall.admin.listen", AdminListen),
            ("outcall.intercept.ca-cert", CaCert), ("outcall.intercept.ca-key", CaKey));
        await using var node = await OutcallNode.StartAsync(config, handleHangup: true).ConfigureAwait(false);
        await node.WaitForShutdownAsync().ConfigureAwait(false);
        return 0;
    }
}
