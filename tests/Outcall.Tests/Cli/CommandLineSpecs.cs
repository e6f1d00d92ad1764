using Outcall.Host.Cli;

namespace Outcall.Tests.Cli;

public sealed class CommandLineSpecs
{
    [Fact]
    public void No_arguments_means_run_on_the_defaults()
    {
        Assert.Equal(new RunCommand(null, null, null), CommandLine.Parse([]));
    }

    [Fact]
    public void Run_flags_are_read_with_or_without_the_run_verb()
    {
        var expected = new RunCommand("c.conf", "127.0.0.1:9000", "rules");
        Assert.Equal(expected, CommandLine.Parse(["--config", "c.conf", "--listen", "127.0.0.1:9000", "--rules-dir", "rules"]));
        Assert.Equal(expected, CommandLine.Parse(["run", "--config=c.conf", "--listen=127.0.0.1:9000", "--rules-dir=rules"]));
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--listen")]
    [InlineData("frobnicate")]
    [InlineData("--listen", "1.2.3.4:1", "--listen", "1.2.3.4:2")]
    public void Unknown_or_incomplete_arguments_are_a_usage_error(params string[] args)
    {
        Assert.Throws<UsageException>(() => CommandLine.Parse(args));
    }

    [Fact]
    public void Env_takes_a_proxy_url()
    {
        Assert.Equal(new EnvCommand("http://10.0.0.1:8080", null), CommandLine.Parse(["env", "--proxy-url", "http://10.0.0.1:8080"]));
    }

    [Fact]
    public void The_container_environment_is_the_six_FR016_variables()
    {
        var variables = ContainerEnvironment.For("http://172.17.0.1:8080");
        Assert.Equal(
            ["HTTP_PROXY=http://172.17.0.1:8080", "HTTPS_PROXY=http://172.17.0.1:8080", "http_proxy=http://172.17.0.1:8080",
             "https_proxy=http://172.17.0.1:8080", "NO_PROXY=localhost,127.0.0.1", "no_proxy=localhost,127.0.0.1"],
            variables.Select(v => $"{v.Name}={v.Value}"));
    }

    [Theory]
    [InlineData("ftp://x:1")]
    [InlineData("http://user:pw@x:1")]
    [InlineData("http://x:1/path")]
    [InlineData("not a url")]
    public void A_proxy_url_that_would_not_work_in_a_container_is_refused(string url)
    {
        Assert.Throws<UsageException>(() => ContainerEnvironment.ValidateUrl(url));
    }
}
