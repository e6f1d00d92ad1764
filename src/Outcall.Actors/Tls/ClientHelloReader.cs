using System.Text;

namespace Outcall.Tls;

public static class ClientHelloReader
{
    private const byte HandshakeRecord = 0x16;
    private const byte ClientHelloType = 0x01;
    private const int RecordHeaderLength = 5;
    private const int HandshakeHeaderLength = 4;
    /// <summary>TLSCiphertext may carry 2^14 + 2048 bytes; more is never valid (RFC 8446 §5.2, RFC 5246 §6.2.3).</summary>
    private const int MaxRecordLength = (1 << 14) + 2048;
    private const ushort ServerNameExtension = 0;
    private const byte HostNameType = 0;

    /// <summary>
    /// Looks at the bytes a client sent after the CONNECT 200 without consuming them (FR-005). The
    /// handshake message may span several TLS records and arrive in many segments; more than
    /// <paramref name="maxBytes"/> without a complete ClientHello is Malformed. The first byte not 0x16
    /// is NotTls. A host_name SNI is returned in Outcall's canonical form (<see cref="ServerNames.Canonical"/>:
    /// lowercased, one trailing dot removed); an IP literal, which RFC 6066 forbids but clients send, is
    /// returned for the caller to judge as that address; anything else is Malformed.
    /// Every length is checked against what remains, at every level (record, handshake, hello, extension,
    /// server name list); a second server_name extension or a second host_name is Malformed.
    /// </summary>
    public static ClientHelloResult TryRead(ReadOnlySpan<byte> buffer, int maxBytes)
    {
        if (buffer.IsEmpty) return NeedMore;
        if (buffer[0] != HandshakeRecord) return new ClientHelloResult(ClientHelloStatus.NotTls, null, null);
        var window = buffer[..Math.Clamp(maxBytes, 0, buffer.Length)];
        var handshake = new byte[window.Length];
        var handshakeLength = 0;
        var offset = 0;
        while (true)
        {
            var header = window[offset..Math.Min(window.Length, offset + RecordHeaderLength)];
            var headerError = CheckRecordHeader(header);
            if (headerError is not null) return Malformed(headerError);
            if (header.Length == RecordHeaderLength)
            {
                var recordLength = (header[3] << 8) | header[4];
                var available = Math.Min(recordLength, window.Length - offset - RecordHeaderLength);
                window.Slice(offset + RecordHeaderLength, available).CopyTo(handshake.AsSpan(handshakeLength));
                handshakeLength += available;
                if (available == recordLength) offset += RecordHeaderLength + recordLength;
                else offset = window.Length;
            }
            else
            {
                offset = window.Length;
            }

            var message = handshake.AsSpan(0, handshakeLength);
            if (message.Length >= 1 && message[0] != ClientHelloType) return Malformed("first handshake message is not a ClientHello");
            if (message.Length >= HandshakeHeaderLength)
            {
                var bodyLength = (message[1] << 16) | (message[2] << 8) | message[3];
                if (RecordHeaderLength + HandshakeHeaderLength + bodyLength > maxBytes) return Malformed("ClientHello larger than the peek limit");
                if (message.Length >= HandshakeHeaderLength + bodyLength)
                    return ParseClientHello(message.Slice(HandshakeHeaderLength, bodyLength));
            }
            if (offset >= window.Length)
                return buffer.Length >= maxBytes ? Malformed("no complete ClientHello within the peek limit") : NeedMore;
        }
    }

    private static ClientHelloResult NeedMore => new(ClientHelloStatus.NeedMoreData, null, null);

    private static ClientHelloResult Malformed(string error) => new(ClientHelloStatus.Malformed, null, error);

    /// <summary>Checks as much of a record header as has arrived: handshake type, version 3.0-3.4, length 1..2^14+2048.</summary>
    private static string? CheckRecordHeader(ReadOnlySpan<byte> header)
    {
        if (header.Length >= 1 && header[0] != HandshakeRecord) return "non-handshake record before the ClientHello ended";
        if (header.Length >= 2 && header[1] != 0x03) return "unknown record version";
        if (header.Length >= 3 && header[2] > 0x04) return "unknown record version";
        if (header.Length < RecordHeaderLength) return null;
        var length = (header[3] << 8) | header[4];
        return length is 0 or > MaxRecordLength ? "invalid record length" : null;
    }

    /// <summary>RFC 8446 §4.1.2 (and RFC 5246 §7.4.1.2, where extensions may be absent), RFC 6066 §3.</summary>
    private static ClientHelloResult ParseClientHello(ReadOnlySpan<byte> hello)
    {
        var reader = new TlsReader(hello);
        if (!reader.TryReadBytes(2, out var version) || version[0] != 0x03) return Malformed("invalid legacy_version");
        if (!reader.TryReadBytes(32, out _)) return Malformed("truncated random");
        if (!reader.TryReadVector8(out var sessionId) || sessionId.Length > 32) return Malformed("invalid session id");
        if (!reader.TryReadVector16(out var cipherSuites) || cipherSuites.Length < 2 || cipherSuites.Length % 2 != 0) return Malformed("invalid cipher suites");
        if (!reader.TryReadVector8(out var compression) || compression.Length < 1) return Malformed("invalid compression methods");
        if (reader.Remaining == 0) return new ClientHelloResult(ClientHelloStatus.Parsed, null, null);
        if (!reader.TryReadVector16(out var extensionBlock) || reader.Remaining != 0) return Malformed("invalid extensions length");

        var extensions = new TlsReader(extensionBlock);
        var seen = new HashSet<ushort>();
        string? serverName = null;
        while (extensions.Remaining > 0)
        {
            if (!extensions.TryReadUInt16(out var type) || !extensions.TryReadVector16(out var data)) return Malformed("truncated extension");
            if (!seen.Add(type)) return Malformed("duplicate extension");
            if (type != ServerNameExtension) continue;
            var error = TryReadServerName(data, out serverName);
            if (error is not null) return Malformed(error);
        }
        return new ClientHelloResult(ClientHelloStatus.Parsed, serverName, null);
    }

    private static string? TryReadServerName(ReadOnlySpan<byte> data, out string? serverName)
    {
        serverName = null;
        var reader = new TlsReader(data);
        if (!reader.TryReadVector16(out var list) || reader.Remaining != 0 || list.IsEmpty) return "invalid server_name list";
        var names = new TlsReader(list);
        while (names.Remaining > 0)
        {
            if (!names.TryReadBytes(1, out var nameType) || nameType[0] != HostNameType) return "unknown server name type";
            if (!names.TryReadVector16(out var name)) return "truncated host_name";
            if (serverName is not null) return "more than one host_name";
            foreach (var b in name)
                if (b > 0x7F) return "host_name is not a DNS name";
            serverName = ServerNames.Canonical(Encoding.ASCII.GetString(name));
            if (serverName is null) return "host_name is not a DNS name or an IP literal";
        }
        return null;
    }

    /// <summary>Bounds-checked big-endian reads over a span: every length is checked against what remains.</summary>
    private ref struct TlsReader(ReadOnlySpan<byte> data)
    {
        private ReadOnlySpan<byte> _rest = data;

        public readonly int Remaining => _rest.Length;

        public bool TryReadBytes(int count, out ReadOnlySpan<byte> bytes)
        {
            bytes = default;
            if (count > _rest.Length) return false;
            bytes = _rest[..count];
            _rest = _rest[count..];
            return true;
        }

        public bool TryReadUInt16(out ushort value)
        {
            value = 0;
            if (!TryReadBytes(2, out var bytes)) return false;
            value = (ushort)((bytes[0] << 8) | bytes[1]);
            return true;
        }

        public bool TryReadVector8(out ReadOnlySpan<byte> bytes)
        {
            bytes = default;
            return TryReadBytes(1, out var length) && TryReadBytes(length[0], out bytes);
        }

        public bool TryReadVector16(out ReadOnlySpan<byte> bytes)
        {
            bytes = default;
            return TryReadUInt16(out var length) && TryReadBytes(length, out bytes);
        }
    }
}
