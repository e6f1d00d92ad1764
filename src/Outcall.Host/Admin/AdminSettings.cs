using System.Net;
using Akka.Configuration;
using Outcall.Proxy;

namespace Outcall.Host.Admin;

/// <summary>
/// The `outcall.admin` section. <see cref="Listen"/> is null when the admin API is disabled (empty listen);
/// <see cref="Token"/> is null when no admin token is configured.
/// </summary>
public sealed record AdminSettings(IPEndPoint? Listen, TimeSpan AskTimeout, AdminToken? Token = null)
{
    public static AdminSettings Create(Config config)
    {
        var section = OutcallConfig.WithDefaults(config).GetConfig("outcall.admin");
        var listen = section.GetString("listen") ?? "";
        var askTimeout = section.GetTimeSpan("ask-timeout", null, allowInfinite: false);
        if (askTimeout <= TimeSpan.Zero) throw new ConfigurationException("outcall.admin.ask-timeout must be a positive duration");
        return new AdminSettings(listen.Length == 0 ? null : ProxySettings.ParseEndpoint(listen, "outcall.admin.listen"), askTimeout,
            AdminToken.Parse(section.GetString("token") ?? ""));
    }
}
