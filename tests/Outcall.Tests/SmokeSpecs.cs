namespace Outcall.Tests;
public class SmokeSpecs { [Fact] public void The_build_runs_tests() => Assert.True(true); }
