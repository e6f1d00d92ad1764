namespace Outcall.Rules.Cel;

/// <summary>The entry point from condition source to a compiled <see cref="CelProgram"/>.</summary>
public static class CelCompiler
{
    /// <summary>Parses, type-checks against <paramref name="environment"/>, and compiles. Throws CelCompileException.</summary>
    public static CelProgram Compile(string source, CelEnvironment environment) => Compile(source, environment, CelCompileOptions.Default);

    internal static CelProgram Compile(string source, CelEnvironment environment, CelCompileOptions options)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(environment);
        var root = CelParser.Parse(source);
        var checker = new CelChecker(environment, checkTypes: !options.SkipTypeCheck);
        var resultType = checker.Check(root);
        var evaluate = CelClosureCompiler.Compile(root);
        return new CelCompiledProgram(source, resultType, root, evaluate, checker.LocalCount);
    }
}
