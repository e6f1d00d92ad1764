using Akka.Configuration;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Compact;
using Serilog.Formatting.Display;

namespace Outcall.Host;

/// <summary>The `outcall.log` section: `format = text | json`, `level = debug | info | warning | error`.</summary>
public sealed record LogSettings(string Format, LogEventLevel Level)
{
    public static LogSettings Create(Config config)
    {
        var section = OutcallConfig.WithDefaults(config).GetConfig("outcall.log");
        var format = section.GetString("format");
        if (format is not ("text" or "json")) throw new ConfigurationException($"outcall.log.format must be text or json, got '{format}'");
        var level = section.GetString("level") switch
        {
            "debug" => LogEventLevel.Debug,
            "info" => LogEventLevel.Information,
            "warning" => LogEventLevel.Warning,
            "error" => LogEventLevel.Error,
            var other => throw new ConfigurationException($"outcall.log.level must be debug, info, warning or error, got '{other}'"),
        };
        return new LogSettings(format, level);
    }

    /// <summary>Akka filters before the bridge sees anything, so it must be told the same level.</summary>
    public string AkkaLogLevel => Level switch
    {
        LogEventLevel.Debug or LogEventLevel.Verbose => "DEBUG",
        LogEventLevel.Information => "INFO",
        LogEventLevel.Warning => "WARNING",
        _ => "ERROR",
    };

    /// <summary>Console logging: one compact JSON object per line for json, a readable line for text.</summary>
    public LoggerConfiguration Configure(LoggerConfiguration logger, TextWriter? output = null)
    {
        logger = logger.MinimumLevel.Is(Level).MinimumLevel.Override("Microsoft", LogEventLevel.Warning);
        if (Format == "json")
            return output is null
                ? logger.WriteTo.Console(new CompactJsonFormatter(), standardErrorFromLevel: null)
                : logger.WriteTo.Sink(new TextWriterSink(new CompactJsonFormatter(), output));
        const string template = "[{Timestamp:HH:mm:ss.fff} {Level:u3}] {Message:lj}{NewLine}{Exception}";
        return output is null
            ? logger.WriteTo.Console(outputTemplate: template)
            : logger.WriteTo.Sink(new TextWriterSink(new MessageTemplateTextFormatter(template), output));
    }
}

/// <summary>Logs into a writer of the caller's (in-process runs and tests read the log back).</summary>
internal sealed class TextWriterSink(ITextFormatter formatter, TextWriter output) : ILogEventSink
{
    private readonly Lock _gate = new();

    public void Emit(LogEvent logEvent)
    {
        lock (_gate)
        {
            formatter.Format(logEvent, output);
            output.Flush();
        }
    }
}
