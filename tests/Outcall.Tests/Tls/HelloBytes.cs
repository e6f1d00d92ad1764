using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Outcall.Tls;

namespace Outcall.Tests.Tls;

/// <summary>ClientHello bytes for tests: captured from a real SslStream client, or built by hand.</summary>
internal static class HelloBytes
{
    private static readonly Dictionary<string, byte[]> Captured = [];
    private static readonly SemaphoreSlim CaptureLock = new(1, 1);

    /// <summary>
    /// The first flight a real SslStream client sends for <paramref name="targetHost"/>: a loopback
    /// listener on an ephemeral port reads until our reader stops asking for more, then closes.
    /// </summary>
    public static async Task<byte[]> CaptureAsync(string targetHost)
    {
        await CaptureLock.WaitAsync();
        try
        {
            if (Captured.TryGetValue(targetHost, out var cached)) return cached;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            try
            {
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                var serverTask = ReadFirstFlightAsync(listener, timeout.Token);
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
                using var tls = new SslStream(client.GetStream());
                var options = new SslClientAuthenticationOptions { TargetHost = targetHost, RemoteCertificateValidationCallback = (_, _, _, _) => false };
                var handshake = tls.AuthenticateAsClientAsync(options, timeout.Token);
                var bytes = await serverTask;
                await Assert.ThrowsAnyAsync<Exception>(() => handshake);
                Captured[targetHost] = bytes;
                return bytes;
            }
            finally
            {
                listener.Stop();
            }
        }
        finally
        {
            CaptureLock.Release();
        }
    }

    private static async Task<byte[]> ReadFirstFlightAsync(TcpListener listener, CancellationToken cancel)
    {
        using var server = await listener.AcceptTcpClientAsync(cancel);
        var stream = server.GetStream();
        var received = new List<byte>();
        var chunk = new byte[4096];
        while (received.Count < 64 * 1024)
        {
            var read = await stream.ReadAsync(chunk, cancel);
            if (read == 0) break;
            received.AddRange(chunk.AsSpan(0, read).ToArray());
            if (ClientHelloReader.TryRead(received.ToArray(), 64 * 1024).Status != ClientHelloStatus.NeedMoreData) break;
        }
        return [.. received];
    }

    /// <summary>The handshake payload of a single-record hello, re-framed into records of at most <paramref name="size"/> bytes.</summary>
    public static byte[] Reframe(byte[] singleRecord, int size)
    {
        var payload = singleRecord.AsSpan(5, BinaryPrimitives.ReadUInt16BigEndian(singleRecord.AsSpan(3))).ToArray();
        var output = new List<byte>();
        for (var offset = 0; offset < payload.Length; offset += size)
            output.AddRange(Record(payload.AsSpan(offset, Math.Min(size, payload.Length - offset)).ToArray(), singleRecord[2]));
        return [.. output];
    }

    public static byte[] Record(byte[] payload, byte minorVersion = 0x01, byte type = 0x16) =>
        [type, 0x03, minorVersion, (byte)(payload.Length >> 8), (byte)payload.Length, .. payload];

    public static byte[] Handshake(byte[] body, byte type = 0x01) =>
        [type, (byte)(body.Length >> 16), (byte)(body.Length >> 8), (byte)body.Length, .. body];

    /// <summary>A ClientHello body: version 3.3, zero random, empty session id, one suite, null compression, then the extensions block (omitted when null).</summary>
    public static byte[] HelloBody(byte[]? extensions)
    {
        byte[] fixedPart = [0x03, 0x03, .. new byte[32], 0x00, 0x00, 0x02, 0x13, 0x01, 0x01, 0x00];
        return extensions is null ? fixedPart : [.. fixedPart, .. Vector16(extensions)];
    }

    public static byte[] Extension(ushort type, byte[] data) => [(byte)(type >> 8), (byte)type, .. Vector16(data)];

    public static byte[] ServerName(params string[] hostNames)
    {
        var list = hostNames.SelectMany(name => (byte[])[0x00, .. Vector16(Encoding.Latin1.GetBytes(name))]).ToArray();
        return Extension(0, Vector16(list));
    }

    public static byte[] Vector16(byte[] data) => [(byte)(data.Length >> 8), (byte)data.Length, .. data];

    public static byte[] Hello(params byte[][] extensions) => Record(Handshake(HelloBody(extensions.SelectMany(e => e).ToArray())));
}
