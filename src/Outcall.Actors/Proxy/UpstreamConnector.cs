using System.Net;
using System.Net.Sockets;

namespace Outcall.Proxy;

/// <summary>Upstream connect result: a socket, or why there is none (<see cref="ProxyError.UpstreamConnect"/> or
/// <see cref="ProxyError.UpstreamConnectTimeout"/>) and what to tell the client.</summary>
public sealed record UpstreamConnection(Socket? Socket, IPEndPoint? RemoteEndPoint, ProxyError? Error, string? Failure);

/// <summary>Dials exactly the checked endpoints, in order, within one overall connect timeout (FR-010/FR-019).</summary>
public static class UpstreamConnector
{
    public static async Task<UpstreamConnection> ConnectAsync(IReadOnlyList<IPEndPoint> endpoints, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        string failure = "no address to connect to";
        foreach (var endpoint in endpoints)
        {
            var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(endpoint, deadline.Token).ConfigureAwait(false);
                return new UpstreamConnection(socket, endpoint, null, null);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                socket.Dispose();
                return new UpstreamConnection(null, endpoint, ProxyError.UpstreamConnectTimeout, $"connect to {Describe(endpoint)} timed out after {timeout.TotalSeconds:0.###}s");
            }
            catch (SocketException e)
            {
                socket.Dispose();
                failure = e.SocketErrorCode == SocketError.ConnectionRefused
                    ? $"connection to {Describe(endpoint)} refused"
                    : $"connect to {Describe(endpoint)} failed ({e.SocketErrorCode})";
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        return new UpstreamConnection(null, null, ProxyError.UpstreamConnect, failure);
    }

    private static string Describe(IPEndPoint endpoint) =>
        endpoint.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{endpoint.Address}]:{endpoint.Port}" : endpoint.ToString();
}
