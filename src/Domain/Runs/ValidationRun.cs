using Migration.Domain.Inconsistencies;

namespace Migration.Domain.Runs;

public enum RunKind
{
    /// <summary>Rows changed after a point in time, polled until stopped.</summary>
    Incremental,

    /// <summary>Every row, both directions, once.</summary>
    Full,
}

public enum RunStatus
{
    Running,

    /// <summary>A full run that walked the whole table.</summary>
    Completed,

    /// <summary>Cancelled by a stop, a replacing start or shutdown.</summary>
    Stopped,

    /// <summary>Ended by an error it could not retry past (for example, the table's columns differ between the sides).</summary>
    Failed,
}

/// <summary>A keyset position: the last <c>(utime, id)</c> read. Full runs leave <see cref="Utime"/> at 0.</summary>
public sealed record RowCursor(long Utime, long Id)
{
    public static readonly RowCursor Start = new(0, long.MinValue);
}

/// <summary>
/// One validation run and its progress. The background worker that owns the run is its only writer;
/// status readers on other threads see each counter atomically.
/// </summary>
public sealed class ValidationRun
{
    private readonly long[] _inconsistencies = new long[Enum.GetValues<InconsistencyType>().Length];
    private long _rowsChecked;
    private long _eventsPublished;
    private long _errors;
    private long _suspected;
    private long _rechecked;
    private long _cleared;
    private int _status;

    public ValidationRun(Guid id, RunKind kind, string table, Direction baseSide, long utime, long intervalMs, DateTimeOffset startedAt)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(utime);
        ArgumentOutOfRangeException.ThrowIfNegative(intervalMs);
        ArgumentException.ThrowIfNullOrWhiteSpace(table);
        Id = id;
        Kind = kind;
        Table = table;
        BaseSide = baseSide;
        Utime = utime;
        IntervalMs = intervalMs;
        StartedAt = startedAt;
        BaseCursor = new RowCursor(utime, long.MinValue);
        TargetCursor = BaseCursor;
    }

    public Guid Id { get; }

    public RunKind Kind { get; }

    public string Table { get; }

    /// <summary>The side that was the truth when the run started.</summary>
    public Direction BaseSide { get; }

    /// <summary>Incremental runs check rows with <c>utime</c> greater than this (ms since the epoch).</summary>
    public long Utime { get; }

    /// <summary>Incremental runs poll again after this many milliseconds once caught up.</summary>
    public long IntervalMs { get; }

    public DateTimeOffset StartedAt { get; }

    public DateTimeOffset? EndedAt { get; private set; }

    public RunStatus Status => (RunStatus)Volatile.Read(ref _status);

    /// <summary>The last row checked in the base → target direction.</summary>
    public RowCursor BaseCursor { get; private set; }

    /// <summary>The last row checked in the target → base direction.</summary>
    public RowCursor TargetCursor { get; private set; }

    public long RowsChecked => Interlocked.Read(ref _rowsChecked);

    public long EventsPublished => Interlocked.Read(ref _eventsPublished);

    /// <summary>Failed attempts (queries or publishes) that were retried.</summary>
    public long Errors => Interlocked.Read(ref _errors);

    public string? LastError { get; private set; }

    /// <summary>Rows that differed once and wait for their second look.</summary>
    public long SuspectsPending => Interlocked.Read(ref _suspected) - Interlocked.Read(ref _rechecked);

    /// <summary>Rows that differed once but were equal when read again: caught between the two writes of a double write.</summary>
    public long SuspectsCleared => Interlocked.Read(ref _cleared);

    public DateTimeOffset? LastErrorAt { get; private set; }

    public long InconsistenciesOf(InconsistencyType type) => Interlocked.Read(ref _inconsistencies[(int)type]);

    public void AdvanceBase(RowCursor cursor, int rowsChecked) => BaseCursor = Advance(BaseCursor, cursor, rowsChecked);

    public void AdvanceTarget(RowCursor cursor, int rowsChecked) => TargetCursor = Advance(TargetCursor, cursor, rowsChecked);

    public void RecordSuspect()
    {
        EnsureRunning();
        Interlocked.Increment(ref _suspected);
    }

    /// <summary>Records a re-check of <paramref name="suspects"/> suspects covering <paramref name="rows"/> distinct rows, of which <paramref name="confirmed"/> still differed.</summary>
    public void RecordRecheck(int suspects, int rows, int confirmed)
    {
        EnsureRunning();
        ArgumentOutOfRangeException.ThrowIfGreaterThan(confirmed, rows);
        Interlocked.Add(ref _cleared, rows - confirmed);
        Interlocked.Add(ref _rechecked, suspects);
    }

    public void RecordInconsistencies(IEnumerable<InconsistentEvent> events)
    {
        EnsureRunning();
        var count = 0L;
        foreach (var e in events)
        {
            Interlocked.Increment(ref _inconsistencies[(int)e.Type]);
            count++;
        }

        Interlocked.Add(ref _eventsPublished, count);
    }

    public void RecordError(string message, DateTimeOffset at)
    {
        Interlocked.Increment(ref _errors);
        LastError = message;
        LastErrorAt = at;
    }

    public void Complete(DateTimeOffset at) => End(RunStatus.Completed, at);

    public void Stop(DateTimeOffset at) => End(RunStatus.Stopped, at);

    public void Fail(string message, DateTimeOffset at)
    {
        LastError = message;
        LastErrorAt = at;
        End(RunStatus.Failed, at);
    }

    private RowCursor Advance(RowCursor current, RowCursor next, int rowsChecked)
    {
        EnsureRunning();
        ArgumentOutOfRangeException.ThrowIfNegative(rowsChecked);
        if ((next.Utime, next.Id).CompareTo((current.Utime, current.Id)) < 0)
        {
            throw new InvalidOperationException($"A cursor only moves forward: {next} is before {current}.");
        }

        Interlocked.Add(ref _rowsChecked, rowsChecked);
        return next;
    }

    private void End(RunStatus status, DateTimeOffset at)
    {
        if (Interlocked.CompareExchange(ref _status, (int)status, (int)RunStatus.Running) == (int)RunStatus.Running)
        {
            EndedAt = at;
        }
    }

    private void EnsureRunning()
    {
        if (Status != RunStatus.Running)
        {
            throw new InvalidOperationException($"Run {Id} is {Status}; it no longer records progress.");
        }
    }
}
