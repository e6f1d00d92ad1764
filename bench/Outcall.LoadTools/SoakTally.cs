using System.Collections.Concurrent;

namespace Outcall.LoadTools;

/// <summary>
/// What one soak scenario saw. Well-behaved scenarios count successes and errors (which must stay 0);
/// hostile and faulty ones count their outcomes by name (a status code, "closed", "reset"), any of which is fine
/// except "hung": the proxy neither answered nor closed within the bound.
/// </summary>
internal sealed class SoakTally(string name, bool wellBehaved)
{
    private const int KeptErrors = 5;
    private readonly ConcurrentDictionary<string, long> _outcomes = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _firstErrors = new();
    private long _ok;
    private long _errors;

    public string Name { get; } = name;
    public bool WellBehaved { get; } = wellBehaved;
    public long Ok => Interlocked.Read(ref _ok);
    public long Errors => Interlocked.Read(ref _errors);
    public IReadOnlyDictionary<string, long> Outcomes => _outcomes;
    public IEnumerable<string> FirstErrors => _firstErrors;

    public void Succeeded() => Interlocked.Increment(ref _ok);

    public void Failed(string what)
    {
        Interlocked.Increment(ref _errors);
        if (_firstErrors.Count < KeptErrors) _firstErrors.Enqueue($"{DateTime.UtcNow:HH:mm:ss} {what}");
    }

    public void Saw(string outcome) => _outcomes.AddOrUpdate(outcome, 1, (_, n) => n + 1);

    public string Summary()
    {
        if (WellBehaved) return $"{Ok:N0} ok, {Errors:N0} errors";
        return string.Join(", ", _outcomes.OrderByDescending(o => o.Value).Select(o => $"{o.Key}: {o.Value:N0}"));
    }
}
