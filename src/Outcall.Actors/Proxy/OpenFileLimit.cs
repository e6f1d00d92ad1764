namespace Outcall.Proxy;

/// <summary>
/// The process's open-file limit, where the platform tells it (Linux: /proc/self/limits). Running out
/// of descriptors must not happen: the runtime itself needs them (loading an assembly, say) and fails
/// hard without. So the connection limit is held below what the descriptors allow.
/// </summary>
public static class OpenFileLimit
{
    /// <summary>Headroom above what is open at start: 64 refusals in flight, and assemblies loaded later, rules files, admin, cluster.</summary>
    private const int Headroom = 128;

    /// <summary>
    /// max-connections, or fewer when each client's two sockets would not fit in the limit next to what
    /// the process already holds (the runtime keeps one descriptor per loaded assembly).
    /// </summary>
    /// <param name="reserved">Descriptors promised elsewhere first (the tunnels' splice pipes).</param>
    public static int ConnectionsAllowed(int configured, int reserved = 0)
    {
        if (Soft() is not { } limit) return configured;
        var openNow = OpenNow() ?? 0;
        return (int)Math.Clamp((limit - openNow - Headroom - reserved) / 2, 1, configured);
    }

    /// <summary>
    /// The splice pipes (two descriptors each) allowed: at most an eighth of the free descriptors, so a tight limit
    /// leaves nearly all of them to clients (a tunnel copies without a pipe; a client refused for want of a descriptor is lost).
    /// </summary>
    public static int SplicePipesAllowed(int configured)
    {
        if (Soft() is not { } limit) return configured;
        var openNow = OpenNow() ?? 0;
        return (int)Math.Clamp((limit - openNow - Headroom) / 16, 0, configured);
    }

    private static int? OpenNow()
    {
        try
        {
            return Directory.GetFiles("/proc/self/fd").Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static long? Soft()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/limits"))
            {
                if (!line.StartsWith("Max open files", StringComparison.Ordinal)) continue;
                var fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return fields.Length > 0 && long.TryParse(fields[0], out var soft) ? soft : null;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not Linux, or not readable: nothing to warn about.
        }
        return null;
    }
}
