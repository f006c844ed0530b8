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

    /// <summary>Ended by a shutdown or a crash; it can be resumed from its checkpoint.</summary>
    Interrupted,
}

/// <summary>
/// A keyset position: the last <c>(utime, id)</c> read. Full runs leave <see cref="Utime"/> at 0.
/// <para>
/// No id comes before <see cref="long.MinValue"/>, so a cursor at that id also stands for "no row of this utime read
/// yet", as every run starts: a walk from it reads the row with that id too (see <see cref="IsBeforeEveryId"/>). A
/// cursor that has just passed that very row looks the same, so resuming from it reads that one row again: a re-read,
/// never a skip.
/// </para>
/// </summary>
public sealed record RowCursor(long Utime, long Id)
{
    public static readonly RowCursor Start = new(0, long.MinValue);

    /// <summary>
    /// True when <see cref="Id"/> is <see cref="long.MinValue"/>: a walk from this cursor starts at its own position
    /// (ids from <see cref="long.MinValue"/> on, at <see cref="Utime"/>) instead of after it.
    /// </summary>
    public bool IsBeforeEveryId => Id == long.MinValue;
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
    private (DateTimeOffset At, long Rows)? _lastSample;

    public ValidationRun(
        Guid id, RunKind kind, string table, Direction baseSide, long utime, long intervalMs, DateTimeOffset startedAt, long maxRowsPerSecond = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(utime);
        ArgumentOutOfRangeException.ThrowIfNegative(maxRowsPerSecond);
        MaxRowsPerSecond = maxRowsPerSecond;
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
        SafeBaseCursor = BaseCursor;
        SafeTargetCursor = TargetCursor;
    }

    /// <summary>
    /// Rebuilds a run from its checkpoint: <paramref name="running"/> to continue it (a resume), otherwise as it
    /// was last seen, with a run that was still running when the process ended shown as interrupted.
    /// </summary>
    public static ValidationRun FromCheckpoint(RunCheckpoint checkpoint, bool running)
    {
        var run = new ValidationRun(
            checkpoint.RunId, checkpoint.Kind, checkpoint.Table, checkpoint.BaseSide, checkpoint.Utime, checkpoint.IntervalMs,
            checkpoint.StartedAt, checkpoint.MaxRowsPerSecond)
        {
            BaseCursor = checkpoint.BaseCursor,
            TargetCursor = checkpoint.TargetCursor,
            SafeBaseCursor = checkpoint.BaseCursor,
            SafeTargetCursor = checkpoint.TargetCursor,
            LastError = checkpoint.LastError,
        };
        run._rowsChecked = checkpoint.RowsChecked;
        run._inconsistencies[(int)InconsistencyType.TargetMissing] = checkpoint.TargetMissing;
        run._inconsistencies[(int)InconsistencyType.Neq] = checkpoint.Neq;
        run._inconsistencies[(int)InconsistencyType.BaseMissing] = checkpoint.BaseMissing;
        run._eventsPublished = checkpoint.EventsPublished;
        run._errors = checkpoint.Errors;
        if (!running)
        {
            run._status = (int)(checkpoint.Status == RunStatus.Running ? RunStatus.Interrupted : checkpoint.Status);
            run.EndedAt = checkpoint.EndedAt ?? checkpoint.SavedAt;
        }

        return run;
    }

    /// <summary>
    /// The run's progress as a checkpoint. Its cursors are the safe ones: resuming from them re-reads a little,
    /// but never skips a row whose difference was found and not yet reported.
    /// </summary>
    public RunCheckpoint ToCheckpoint(DateTimeOffset savedAt) => new(
        Id, Kind, Table, BaseSide, Utime, IntervalMs, StartedAt, EndedAt, Status, SafeBaseCursor, SafeTargetCursor,
        RowsChecked, InconsistenciesOf(InconsistencyType.TargetMissing), InconsistenciesOf(InconsistencyType.Neq),
        InconsistenciesOf(InconsistencyType.BaseMissing), EventsPublished, Errors, LastError, savedAt, MaxRowsPerSecond);

    public Guid Id { get; }

    public RunKind Kind { get; }

    public string Table { get; }

    /// <summary>The side that was the truth when the run started.</summary>
    public Direction BaseSide { get; }

    /// <summary>Incremental runs check rows with <c>utime</c> at or after this (ms since the epoch).</summary>
    public long Utime { get; }

    /// <summary>Incremental runs poll again after this many milliseconds once caught up.</summary>
    public long IntervalMs { get; }

    public DateTimeOffset StartedAt { get; }

    /// <summary>The most rows per second the run may check; 0 is unlimited.</summary>
    public long MaxRowsPerSecond { get; }

    /// <summary>For full runs: how many rows the larger side holds, as estimated by the engine at start; 0 when unknown.</summary>
    public long EstimatedRows { get; private set; }

    /// <summary>Rows per second between the last two <see cref="SampleRate"/> calls.</summary>
    public double RecentRowsPerSecond { get; private set; }

    public DateTimeOffset? EndedAt { get; private set; }

    public RunStatus Status => (RunStatus)Volatile.Read(ref _status);

    /// <summary>The last row checked in the base → target direction.</summary>
    public RowCursor BaseCursor { get; private set; }

    /// <summary>The last row checked in the target → base direction.</summary>
    public RowCursor TargetCursor { get; private set; }

    /// <summary>The base cursor as far as every difference before it has been reported: where a resume starts.</summary>
    public RowCursor SafeBaseCursor { get; private set; }

    /// <summary>The target cursor as far as every difference before it has been reported.</summary>
    public RowCursor SafeTargetCursor { get; private set; }

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

    public void Estimate(long rows) => EstimatedRows = Math.Max(0, rows);

    /// <summary>Measures the rate since the previous sample; called at a steady pace by the run's owner.</summary>
    public void SampleRate(DateTimeOffset now)
    {
        var rows = RowsChecked;
        if (_lastSample is { } last && now > last.At)
        {
            RecentRowsPerSecond = (rows - last.Rows) / (now - last.At).TotalSeconds;
        }

        _lastSample = (now, rows);
    }

    /// <summary>Moves the safe cursors; each only forward and never past its cursor.</summary>
    public void MarkSafe(RowCursor baseCursor, RowCursor targetCursor)
    {
        SafeBaseCursor = Max(SafeBaseCursor, Min(baseCursor, BaseCursor));
        SafeTargetCursor = Max(SafeTargetCursor, Min(targetCursor, TargetCursor));
    }

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

    /// <summary>Ends the run because the process is stopping; it stays resumable.</summary>
    public void Interrupt(DateTimeOffset at) => End(RunStatus.Interrupted, at);

    public void Fail(string message, DateTimeOffset at)
    {
        LastError = message;
        LastErrorAt = at;
        End(RunStatus.Failed, at);
    }

    private static RowCursor Min(RowCursor a, RowCursor b) => Compare(a, b) <= 0 ? a : b;

    private static RowCursor Max(RowCursor a, RowCursor b) => Compare(a, b) >= 0 ? a : b;

    private static int Compare(RowCursor a, RowCursor b) => (a.Utime, a.Id).CompareTo((b.Utime, b.Id));

    private RowCursor Advance(RowCursor current, RowCursor next, int rowsChecked)
    {
        EnsureRunning();
        ArgumentOutOfRangeException.ThrowIfNegative(rowsChecked);
        if (Compare(next, current) < 0)
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
