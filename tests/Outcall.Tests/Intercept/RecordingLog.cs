using System.Globalization;
using System.Text.RegularExpressions;
using Akka.Event;
using Outcall.Tests.SuiteLogs;

namespace Outcall.Tests.Intercept;

/// <summary>An Akka logging adapter that keeps every formatted message, so a test can count events exactly (and copies it to the suite log).</summary>
internal sealed class RecordingLog() : LoggingAdapterBase(DefaultLogMessageFormatter.Instance)
{
    private readonly Lock _gate = new();
    private readonly List<string> _lines = [];

    public override bool IsDebugEnabled => true;
    public override bool IsInfoEnabled => true;
    public override bool IsWarningEnabled => true;
    public override bool IsErrorEnabled => true;

    protected override void NotifyLog(LogLevel logLevel, object message, Exception? cause = null)
    {
        var text = message is LogMessage template ? Render(template.Format, template.Parameters()) : message.ToString();
        var line = $"{logLevel.ToString().Replace("Level", "")}: {text}";
        lock (_gate) _lines.Add(line);
        SuiteLog.Write("akka", line);
    }

    /// <summary>Fills a named template ({Host}) in argument order, as Microsoft.Extensions.Logging does on the node.</summary>
    private static string Render(string format, IEnumerable<object> arguments)
    {
        var values = arguments.Select(value => Convert.ToString(value, CultureInfo.InvariantCulture)).GetEnumerator();
        return Regex.Replace(format, @"\{[^{}]+\}", match => values.MoveNext() ? values.Current ?? "" : match.Value);
    }

    public IReadOnlyList<string> Lines
    {
        get { lock (_gate) return _lines.ToArray(); }
    }
}
