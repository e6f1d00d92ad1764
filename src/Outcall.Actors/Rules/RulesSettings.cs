using Akka.Configuration;

namespace Outcall.Rules;

/// <summary>The `outcall.rules` section.</summary>
public sealed record RulesSettings(string Directory, TimeSpan AskTimeout, bool Watch, TimeSpan WatchDebounce, TimeSpan EvaluationBudget)
{
    /// <summary>Whether what the rules block is refused (the default) or only recorded; see <see cref="RulesMode"/>.</summary>
    public RulesMode Mode { get; init; } = RulesMode.Enforce;

    public static RulesSettings Create(Config config)
    {
        var section = OutcallConfig.WithDefaults(config).GetConfig("outcall.rules");
        return new RulesSettings(
            section.GetString("dir"),
            OutcallConfig.PositiveDuration(section, "ask-timeout"),
            section.GetBoolean("watch"),
            OutcallConfig.PositiveDuration(section, "watch-debounce"),
            OutcallConfig.PositiveDuration(section, "evaluation-budget"))
        { Mode = ModeOf(section.GetString("mode")) };
    }

    private static RulesMode ModeOf(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "enforce" => RulesMode.Enforce,
        "observe" => RulesMode.Observe,
        _ => throw new ConfigurationException($"outcall.rules.mode must be enforce or observe, got '{text}'"),
    };
}
