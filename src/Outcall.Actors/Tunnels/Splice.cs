using System.Runtime.InteropServices;

namespace Outcall.Tunnels;

/// <summary>
/// Linux splice(2): tunnel bytes move socket -> pipe -> socket inside the kernel, never copied into
/// the process (HAProxy's zero-copy forwarding). Every call is non-blocking; a socket the runtime has
/// not made non-blocking is never spliced (<see cref="IsNonBlocking"/>), since a blocking splice
/// would hold the stream's thread. Sockets pass as SafeHandles so a concurrent close cannot hand the
/// descriptor number to another file mid-call.
/// </summary>
internal static class Splice
{
    private const uint Move = 1;
    private const uint NonBlock = 2;
    private const int FGetFl = 3;
    private const int ONonBlock = 0x800;
    private const int OCloExec = 0x80000;
    public const int Again = 11;
    private const int EIntr = 4;

    public static bool Supported { get; } = OperatingSystem.IsLinux() && Probe();

    /// <summary>Moves up to <paramref name="count"/> bytes from a socket into a pipe. 0: end of stream; -1: <paramref name="errno"/>.</summary>
    public static long FromSocket(SafeHandle socket, int pipeWrite, int count, out int errno)
    {
        nint result;
        while ((result = SpliceIn(socket, 0, pipeWrite, 0, (nuint)count, Move | NonBlock)) < 0 && Interrupted(out errno)) { }
        return Outcome(result, out errno);
    }

    /// <summary>Moves up to <paramref name="count"/> bytes from a pipe to a socket. -1: <paramref name="errno"/> (EAGAIN: the send buffer is full).</summary>
    public static long ToSocket(int pipeRead, SafeHandle socket, int count, out int errno)
    {
        nint result;
        while ((result = SpliceOut(pipeRead, 0, socket, 0, (nuint)count, Move | NonBlock)) < 0 && Interrupted(out errno)) { }
        return Outcome(result, out errno);
    }

    /// <summary>A splice not made (the socket still blocks): as if the socket took nothing, so the bytes leave the pipe by copy.</summary>
    public static long NotTried(out int errno)
    {
        errno = Again;
        return -1;
    }

    /// <summary>Copies up to <paramref name="count"/> bytes out of a pipe into the start of <paramref name="buffer"/>.</summary>
    public static long ReadPipe(int pipeRead, byte[] buffer, int count, out int errno)
    {
        nint result;
        while ((result = Read(pipeRead, buffer, (nuint)Math.Min(count, buffer.Length))) < 0 && Interrupted(out errno)) { }
        return Outcome(result, out errno);
    }

    /// <summary>A failed splice as the stream's failure; the message is the system's, e.g. "Connection reset by peer".</summary>
    public static IOException Failure(int errno) => new($"splice: {Marshal.GetPInvokeErrorMessage(errno)}", errno);

    public static bool TryCreatePipe(out int read, out int write)
    {
        var ends = new int[2];
        if (Pipe2(ends, ONonBlock | OCloExec) != 0)
        {
            read = write = -1;
            return false;
        }
        (read, write) = (ends[0], ends[1]);
        return true;
    }

    public static void ClosePipeEnd(int descriptor) => _ = Close(descriptor);

    public static bool IsNonBlocking(SafeHandle socket)
    {
        try
        {
            var flags = Fcntl(socket, FGetFl);
            return flags >= 0 && (flags & ONonBlock) != 0;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    private static bool Interrupted(out int errno)
    {
        errno = Marshal.GetLastPInvokeError();
        return errno == EIntr;
    }

    private static long Outcome(nint result, out int errno)
    {
        errno = result < 0 ? Marshal.GetLastPInvokeError() : 0;
        return result;
    }

    private static bool Probe()
    {
        try
        {
            if (!TryCreatePipe(out var read, out var write)) return false;
            ClosePipeEnd(read);
            ClosePipeEnd(write);
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    // DllImport, not LibraryImport: every call is blittable, and LibraryImport would need unsafe code for the library.
    [DllImport("libc", EntryPoint = "splice", SetLastError = true)]
    private static extern nint SpliceIn(SafeHandle fdIn, nint offIn, int fdOut, nint offOut, nuint len, uint flags);

    [DllImport("libc", EntryPoint = "splice", SetLastError = true)]
    private static extern nint SpliceOut(int fdIn, nint offIn, SafeHandle fdOut, nint offOut, nuint len, uint flags);

    [DllImport("libc", EntryPoint = "pipe2", SetLastError = true)]
    private static extern int Pipe2([Out] int[] fds, int flags);

    [DllImport("libc", EntryPoint = "read", SetLastError = true)]
    private static extern nint Read(int fd, byte[] buffer, nuint count);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);

    [DllImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static extern int Fcntl(SafeHandle fd, int cmd);
}
