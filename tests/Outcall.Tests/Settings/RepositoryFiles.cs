namespace Outcall.Tests.Settings;

/// <summary>Files of the repository the tests were built from (found by walking up to Outcall.sln).</summary>
internal static class RepositoryFiles
{
    public static string PathOf(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Outcall.sln"))) return Path.Combine(dir.FullName, relative);
        throw new InvalidOperationException("repository root not found");
    }

    public static string Read(string relative) => File.ReadAllText(PathOf(relative));
}
