using System.Runtime.CompilerServices;
using System.Text;

namespace Outcall.Tests.SuiteLogs;

/// <summary>
/// Console output (Akka's standard-out logger, TestKit systems, anything a spec prints) also goes to the
/// <see cref="SuiteLog"/>: installed when the test assembly loads, before any spec runs.
/// </summary>
internal static class ConsoleCopy
{
#pragma warning disable CA2255 // A test assembly is not a library: this is the one hook that runs before every spec.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Install()
    {
        if (SuiteLog.Directory is null) return;
        Console.SetOut(new LineCopy(Console.Out, "console"));
        Console.SetError(new LineCopy(Console.Error, "console-error"));
    }

    /// <summary>Writes through to the real stream and hands each finished line to the suite log.</summary>
    private sealed class LineCopy(TextWriter inner, string source) : TextWriter
    {
        private readonly StringBuilder _line = new();

        public override Encoding Encoding => inner.Encoding;

        // Console.SetOut wraps this in a synchronized writer, so one call at a time reaches here.
        public override void Write(char value)
        {
            inner.Write(value);
            Take(value);
        }

        public override void Write(string? value)
        {
            inner.Write(value);
            foreach (var c in value ?? "") Take(c);
        }

        // Only whole lines are copied, so a value is never split between two entries.
        public override void Flush() => inner.Flush();

        private void Take(char c)
        {
            if (c != '\n')
            {
                _line.Append(c);
                return;
            }
            SuiteLog.Write(source, _line.ToString());
            _line.Clear();
        }
    }
}
