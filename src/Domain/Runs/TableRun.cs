using Migration.Domain.Inconsistencies;

namespace Migration.Domain.Runs;

public enum TableRunStatus
{
    /// <summary>Not started yet: the run works on other tables first.</summary>
    Pending,

    Running,

    /// <summary>Every row checked (full runs).</summary>
    Completed,

    /// <summary>Ended by an error it could not retry past; the run goes on with the other tables.</summary>
    Failed,

    /// <summary>An incremental run leaves out a table without a version column: it is validated by full runs only.</summary>
    FullOnly,
}

/// <summary>
/// A keyset position in one table: the last version and key read, each in its text form (the version as stored —
/// an integer or a date-time — and the key as <see cref="Tables.RowKey.ToText"/>). Null parts mean nothing has been
/// read yet: a walk from <see cref="Start"/> reads the very first row too.
/// </summary>
/// <param name="VersionMs">The version in ms since the epoch (incremental runs), for lags and for restarting a run.</param>
public sealed record TableCursor(string? Version, string? Key, long? VersionMs = null)
{
    public static readonly TableCursor Start = new(null, null);

    public bool IsStart => Key is null;
}

/// <summary>
/// One table's part of a validation run. The run's owner is its only writer (the table's strategy, and for full runs
/// its parallel segment workers through the atomic counters); status readers see each counter atomically.
/// </summary>
public sealed class TableRun(string table)
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
    private ValidationRun? _run;

    public string Table { get; } = table;

    /// <summary>The run this table belongs to: once it has ended, the table records no more progress.</summary>
    internal void Attach(ValidationRun run) => _run = run;

    public TableRunStatus Status => (TableRunStatus)Volatile.Read(ref _status);

    public long RowsChecked => Interlocked.Read(ref _rowsChecked);

    /// <summary>Rows on the larger side, as the engine estimates them when the table starts; 0 when unknown.</summary>
    public long EstimatedRows { get; private set; }

    public long EventsPublished => Interlocked.Read(ref _eventsPublished);

    /// <summary>Failed attempts (queries or publishes) that were retried, and a failure that ended the table.</summary>
    public long Errors => Interlocked.Read(ref _errors);

    public string? LastError { get; private set; }

    public DateTimeOffset? LastErrorAt { get; private set; }

    public DateTimeOffset? StartedAt { get; private set; }

    public DateTimeOffset? EndedAt { get; private set; }

    /// <summary>The last row checked in the base → target direction.</summary>
    public TableCursor BaseCursor { get; private set; } = TableCursor.Start;

    /// <summary>The last row checked in the target → base direction (incremental runs).</summary>
    public TableCursor TargetCursor { get; private set; } = TableCursor.Start;

    /// <summary>Where a resume starts: no difference found before it is still unreported.</summary>
    public TableCursor SafeBaseCursor { get; private set; } = TableCursor.Start;

    public TableCursor SafeTargetCursor { get; private set; } = TableCursor.Start;

    /// <summary>Incremental runs: how far the base cursor's version is behind now, in ms; null before the first row.</summary>
    public long? CursorLagMs { get; private set; }

    /// <summary>Incremental runs: when the table was last caught up (both sides read to their end); null before the first time.</summary>
    public DateTimeOffset? CaughtUpAt { get; private set; }

    /// <summary>Rows per second between the last two <see cref="SampleRate"/> calls.</summary>
    public double RecentRowsPerSecond { get; private set; }

    public long SuspectsPending => Interlocked.Read(ref _suspected) - Interlocked.Read(ref _rechecked);

    public long SuspectsCleared => Interlocked.Read(ref _cleared);

    public long InconsistenciesOf(InconsistencyType type) => Interlocked.Read(ref _inconsistencies[(int)type]);

    /// <summary>Incremental runs: the table's rolling sweep, when it has one.</summary>
    public SweepProgress? Sweep { get; private set; }

    /// <summary>Whether an incremental run walks this table's version column (false for a table only the sweep validates).</summary>
    public bool WalksVersions => Status != TableRunStatus.FullOnly && Sweep is not { Only: true };

    /// <summary>Incremental runs: the table is swept with these settings; a resumed run keeps its sweep's progress.</summary>
    public SweepProgress StartSweep(bool only, long maxRowsPerSecond)
    {
        if (Sweep is { } sweep)
        {
            sweep.Configure(only, maxRowsPerSecond);
            return sweep;
        }

        return Sweep = new SweepProgress(only, maxRowsPerSecond);
    }

    /// <summary>Percent of the estimated rows checked (at most 100; 100 once completed); null when there is no estimate.</summary>
    public double? Percent => Status == TableRunStatus.Completed ? 100
        : EstimatedRows > 0 ? Math.Min(100, Math.Round(100.0 * RowsChecked / EstimatedRows, 1)) : null;

    public void Begin(DateTimeOffset at)
    {
        if (Interlocked.CompareExchange(ref _status, (int)TableRunStatus.Running, (int)TableRunStatus.Pending) == (int)TableRunStatus.Pending)
        {
            StartedAt ??= at;
        }
    }

    public void Estimate(long rows) => EstimatedRows = Math.Max(0, rows);

    /// <summary>Incremental runs: both sides were read to their end at <paramref name="at"/>.</summary>
    public void CaughtUp(DateTimeOffset at) => CaughtUpAt = at;

    public void AdvanceBase(TableCursor cursor, long rowsChecked, long? lagMs = null)
    {
        EnsureRunning();
        BaseCursor = cursor;
        CursorLagMs = lagMs ?? CursorLagMs;
        Interlocked.Add(ref _rowsChecked, rowsChecked);
    }

    public void AdvanceTarget(TableCursor cursor, long rowsChecked)
    {
        EnsureRunning();
        TargetCursor = cursor;
        Interlocked.Add(ref _rowsChecked, rowsChecked);
    }

    /// <summary>Counts rows checked without moving a cursor (a segment of a full run finished out of order).</summary>
    public void Checked(long rows)
    {
        EnsureRunning();
        Interlocked.Add(ref _rowsChecked, rows);
    }

    /// <summary>Moves the safe cursors, which the caller guarantees to be at or behind its cursors.</summary>
    public void MarkSafe(TableCursor baseCursor, TableCursor targetCursor)
    {
        SafeBaseCursor = baseCursor;
        SafeTargetCursor = targetCursor;
    }

    public void RecordSuspects(int count)
    {
        EnsureRunning();
        Interlocked.Add(ref _suspected, count);
    }

    /// <summary>A re-check of <paramref name="suspects"/> suspects covering <paramref name="rows"/> rows, of which <paramref name="confirmed"/> still differed.</summary>
    public void RecordRecheck(int suspects, int rows, int confirmed)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(confirmed, rows);
        Interlocked.Add(ref _cleared, rows - confirmed);
        Interlocked.Add(ref _rechecked, suspects);
    }

    public void RecordInconsistencies(IEnumerable<InconsistencyType> types)
    {
        EnsureRunning();
        var count = 0L;
        foreach (var type in types)
        {
            Interlocked.Increment(ref _inconsistencies[(int)type]);
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

    public void SampleRate(DateTimeOffset now)
    {
        var rows = RowsChecked;
        if (_lastSample is { } last && now > last.At)
        {
            RecentRowsPerSecond = (rows - last.Rows) / (now - last.At).TotalSeconds;
        }

        _lastSample = (now, rows);
    }

    public void Complete(DateTimeOffset at) => End(TableRunStatus.Completed, at);

    public void FullOnly() => Volatile.Write(ref _status, (int)TableRunStatus.FullOnly);

    public void Fail(string message, DateTimeOffset at)
    {
        RecordError(message, at);
        End(TableRunStatus.Failed, at);
    }

    /// <summary>The table's progress as a checkpoint, with the safe cursors.</summary>
    public TableCheckpoint ToCheckpoint() => new(
        Table, Status, SafeBaseCursor, SafeTargetCursor, RowsChecked, InconsistenciesOf(InconsistencyType.TargetMissing),
        InconsistenciesOf(InconsistencyType.Neq), InconsistenciesOf(InconsistencyType.BaseMissing), EventsPublished, Errors, LastError,
        EstimatedRows, CaughtUpAt, Sweep?.ToCheckpoint());

    /// <summary>Rebuilds a table's progress; a table that was running continues from its safe cursors.</summary>
    public static TableRun FromCheckpoint(TableCheckpoint c)
    {
        var table = new TableRun(c.Table)
        {
            BaseCursor = c.BaseCursor,
            TargetCursor = c.TargetCursor,
            SafeBaseCursor = c.BaseCursor,
            SafeTargetCursor = c.TargetCursor,
            LastError = c.LastError,
            EstimatedRows = c.EstimatedRows,
            CaughtUpAt = c.CaughtUpAt,
            Sweep = c.Sweep is { } sweep ? SweepProgress.FromCheckpoint(sweep) : null,
        };
        table._status = (int)(c.Status == TableRunStatus.Running ? TableRunStatus.Pending : c.Status);
        table._rowsChecked = c.RowsChecked;
        table._inconsistencies[(int)InconsistencyType.TargetMissing] = c.TargetMissing;
        table._inconsistencies[(int)InconsistencyType.Neq] = c.Neq;
        table._inconsistencies[(int)InconsistencyType.BaseMissing] = c.BaseMissing;
        table._eventsPublished = c.EventsPublished;
        table._errors = c.Errors;
        return table;
    }

    private void EnsureRunning()
    {
        if (_run is { Status: not RunStatus.Running } run)
        {
            throw new InvalidOperationException($"Run {run.Id} is {run.Status}; table {Table} no longer records progress.");
        }
    }

    private void End(TableRunStatus status, DateTimeOffset at)
    {
        Volatile.Write(ref _status, (int)status);
        EndedAt = at;
    }
}

/// <summary>What survives a restart of one table's part of a run.</summary>
public sealed record TableCheckpoint(
    string Table,
    TableRunStatus Status,
    TableCursor BaseCursor,
    TableCursor TargetCursor,
    long RowsChecked,
    long TargetMissing,
    long Neq,
    long BaseMissing,
    long EventsPublished,
    long Errors,
    string? LastError,
    long EstimatedRows,
    DateTimeOffset? CaughtUpAt = null,
    SweepCheckpoint? Sweep = null);
