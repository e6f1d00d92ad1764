using Akka.Configuration;
using Outcall.Host;
using Outcall.Host.Cli;
using Outcall.Proxy;
using Outcall.Rules;

namespace Outcall.Tests.Cli;

/// <summary>Issue 17: how the flags, the file and the embedded defaults are layered.</summary>
public sealed class ConfigLayersSpecs : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("outcall-layers-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string Write(string text)
    {
        var path = Path.Combine(_dir.FullName, $"{Guid.NewGuid():N}.conf");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Every_settings_section_reads_the_embedded_defaults_themselves_and_an_empty_configuration()
    {
        // An empty configuration over the defaults is the defaults object; every Create(Config) adds them again.
        var fromEmpty = NodeSettings.Create(Config.Empty);
        foreach (var config in new[] { OutcallConfig.Defaults, OutcallConfig.WithDefaults(Config.Empty) })
        {
            var settings = NodeSettings.Create(config);
            Assert.Equal(fromEmpty.Proxy, settings.Proxy);
            Assert.Equal(fromEmpty.Rules, settings.Rules);
            Assert.Equal(fromEmpty.Log, settings.Log);
            Assert.Equal(fromEmpty.UpstreamPool, settings.UpstreamPool);
            Assert.Equal(fromEmpty.Admin, settings.Admin);
            Assert.Equal(fromEmpty.Cluster.Port, settings.Cluster.Port);
        }
    }

    [Fact]
    public void A_flag_overrides_the_file_which_overrides_the_defaults()
    {
        var file = Write("outcall.proxy.listen = \"127.0.0.1:3128\"\noutcall.rules.dir = /etc/outcall/rules.d\n");

        var config = ConfigLayers.Load(file, ("outcall.proxy.listen", "127.0.0.1:9"), ("outcall.admin.listen", null));

        Assert.Equal("127.0.0.1:9", ProxySettings.Create(config).Listen.ToString());
        Assert.Equal("/etc/outcall/rules.d", RulesSettings.Create(config).Directory);
        Assert.Equal(OutcallConfig.Defaults.GetString("outcall.admin.listen"), NodeSettings.Create(config).Admin.Listen!.ToString());
    }

    [Theory]
    [InlineData("rules \"quoted\" \\ back")]
    [InlineData("two\nlines")]
    [InlineData("${outcall.proxy.listen}")]
    [InlineData("\u65e5\u672c\u8a9e \ud83d\ude00")]
    public void A_flag_value_is_one_literal_value_whatever_it_holds(string directory)
    {
        Assert.Equal(directory, RulesSettings.Create(ConfigLayers.Load(null, ("outcall.rules.dir", directory))).Directory);
    }

    [Fact]
    public void A_config_file_that_does_not_exist_is_a_usage_error()
    {
        var missing = Path.Combine(_dir.FullName, "missing.conf");
        Assert.Equal($"config file '{missing}' not found", Assert.Throws<UsageException>(() => ConfigLayers.Load(missing)).Message);
    }

    [Fact]
    public void A_config_file_with_a_bad_value_is_a_startup_error_naming_the_file()
    {
        var file = Write("outcall.log.level = loud\n");
        var error = Assert.Throws<StartupException>(() => ConfigLayers.Load(file));
        Assert.StartsWith($"config error in {file}: outcall.log.level must be", error.Message);
    }
}
