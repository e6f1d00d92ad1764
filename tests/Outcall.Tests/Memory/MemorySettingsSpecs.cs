using Akka.Configuration;
using Outcall.Host.Memory;

namespace Outcall.Tests.Memory;

public sealed class MemorySettingsSpecs
{
    private static MemorySettings Create(string hocon) => MemorySettings.Create(ConfigurationFactory.ParseString(hocon));

    [Fact]
    public void The_idle_trim_is_on_with_a_two_second_window_by_default()
    {
        Assert.Equal(TimeSpan.FromSeconds(2), MemorySettings.Create(Config.Empty).IdleTrim);
    }

    [Fact]
    public void The_idle_trim_takes_a_duration()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(500), Create("outcall.memory.idle-trim = 500ms").IdleTrim);
    }

    [Theory]
    [InlineData("off")]
    [InlineData("false")]
    public void The_idle_trim_can_be_turned_off(string value)
    {
        Assert.Null(Create($"outcall.memory.idle-trim = {value}").IdleTrim);
    }

    [Fact]
    public void A_zero_window_is_refused()
    {
        var error = Assert.Throws<ConfigurationException>(() => Create("outcall.memory.idle-trim = 0s"));
        Assert.Contains("outcall.memory.idle-trim", error.Message);
    }
}
