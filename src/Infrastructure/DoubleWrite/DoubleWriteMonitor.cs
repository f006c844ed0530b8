using Migration.Application.Abstractions;

namespace Migration.Infrastructure.DoubleWrite;

internal sealed class DoubleWriteMonitor : IDoubleWriteMonitor
{
    private long _commits;
    private long _rows;
    private long _primaryFailures;
    private long _secondaryFailures;
    private long _rowsReported;
    private long _reportFailures;
    private long _secondaryNewer;
    private long _foreignRows;
    private long _lastReportFailureMs = long.MinValue;
    private volatile LastError? _lastSecondaryError;

    public void Committed(int rows)
    {
        Interlocked.Increment(ref _commits);
        Interlocked.Add(ref _rows, rows);
    }

    public void PrimaryFailed() => Interlocked.Increment(ref _primaryFailures);

    public void SecondaryFailed(string message, DateTimeOffset at)
    {
        _lastSecondaryError = new LastError(message, at);
        Interlocked.Increment(ref _secondaryFailures);
    }

    public void Reported(int rows) => Interlocked.Add(ref _rowsReported, rows);

    public void ReportFailed(int rows, DateTimeOffset at)
    {
        Interlocked.Add(ref _reportFailures, rows);
        Interlocked.Exchange(ref _lastReportFailureMs, at.ToUnixTimeMilliseconds());
    }

    public void ForeignRow() => Interlocked.Increment(ref _foreignRows);

    public void SecondaryNewer() => Interlocked.Increment(ref _secondaryNewer);

    public DoubleWriteCounters Snapshot()
    {
        var last = _lastSecondaryError;
        return new DoubleWriteCounters(
            Interlocked.Read(ref _commits),
            Interlocked.Read(ref _rows),
            Interlocked.Read(ref _primaryFailures),
            Interlocked.Read(ref _secondaryFailures),
            Interlocked.Read(ref _rowsReported),
            Interlocked.Read(ref _reportFailures),
            Interlocked.Read(ref _secondaryNewer),
            last?.Message,
            last?.At)
        {
            ForeignRows = Interlocked.Read(ref _foreignRows),
            LastReportFailureAt = Interlocked.Read(ref _lastReportFailureMs) is var ms and > long.MinValue ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null,
        };
    }

    private sealed record LastError(string Message, DateTimeOffset At);
}
