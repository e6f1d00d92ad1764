using System.Runtime.InteropServices;

namespace Outcall.Host.Memory;

/// <summary>
/// glibc's malloc keeps freed native memory (the runtime's own, the sockets', OpenSSL's) in its arenas;
/// malloc_trim returns the free pages to the system. Elsewhere (musl, macOS, Windows) there is nothing to call.
/// </summary>
internal static class NativeHeap
{
    private static bool Unavailable = !OperatingSystem.IsLinux();

    public static void Trim()
    {
        if (Unavailable) return;
        try
        {
            _ = MallocTrim(0);
        }
        catch (EntryPointNotFoundException)
        {
            Unavailable = true;
        }
        catch (DllNotFoundException)
        {
            Unavailable = true;
        }
    }

    // DllImport, not LibraryImport: the call is blittable, and LibraryImport would need unsafe code for the whole host.
    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}
