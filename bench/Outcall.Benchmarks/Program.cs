using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Outcall.Benchmarks.RuleEvaluationBenchmarks).Assembly).Run(args);
