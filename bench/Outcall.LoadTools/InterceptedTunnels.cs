namespace Outcall.LoadTools;

/// <summary>
/// Memory per intercepted tunnel: N HTTPS connections through the proxy (CONNECT + TLS, validated against --ca),
/// each with one GET done, held open and measured by <see cref="HeldTunnels"/> like `idle`.
/// </summary>
internal static class InterceptedTunnels
{
    public static async Task<int> RunAsync(Options options)
    {
        var proxy = options.Proxy() ?? throw new ArgumentException("https-idle needs a proxy");
        var target = InterceptedRequests.Target(options);
        var path = options.TextOr("path", "/small");
        var anchors = InterceptedRequests.Anchors(options);
        return await HeldTunnels.MeasureAsync(options, async cancellationToken =>
        {
            var connection = await HttpsConnection.OpenAsync(proxy, target, path, anchors, close: false, cancellationToken).ConfigureAwait(false);
            try
            {
                await GetOkAsync(connection, cancellationToken).ConfigureAwait(false);
                return connection;
            }
            catch
            {
                connection.Dispose();
                throw;
            }
        }, GetOkAsync).ConfigureAwait(false);
    }

    private static async Task GetOkAsync(HttpsConnection connection, CancellationToken cancellationToken)
    {
        if (!await connection.GetAsync(cancellationToken).ConfigureAwait(false)) throw new IOException("GET was not answered with 200");
    }
}
