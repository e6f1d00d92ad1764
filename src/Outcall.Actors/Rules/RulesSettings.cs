using Akka.Configuration;

namespace Outcall.Rules;

/// <summary>The `outcall.rules` section.</summary>
public sealed record RulesSettings(string Directory, TimeSpan AskTimeout, bool Watch, TimeSpan WatchDebounce, TimeSpan EvaluationBudget)
{
    public static RulesSettings Create(Config config)
    {
        var section = OutcallConfig.WithDefaults(config).GetConfig("outcall.rules");
        return new RulesSettings(
            section.GetString("dir"),
            OutcallConfig.PositiveDuration(section, "ask-timeout"),
            section.GetBoolean("watch"),
            OutcallConfig.PositiveDuration(section, "watch-debounce"),
            OutcallConfig.PositiveDuration(section, "evaluation-budget"));
    }
}
