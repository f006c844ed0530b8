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

    /// <summary>A full run that walked every table.</summary>
    Completed,

    /// <summary>Cancelled by a stop, a replacing start or shutdown.</summary>
    Stopped,

    /// <summary>Ended by an error it could not retry past.</summary>
    Failed,

    /// <summary>Ended by a shutdown or a crash; it can be resumed from its checkpoint.</summary>
    Interrupted,
}

/// <summary>
/// One validation run over the configured tables, with one <see cref="TableRun"/> per table. The background worker
/// that owns the run is its only writer; status readers on other threads see each counter atomically. The run's
/// figures are the sums of its tables'.
/// </summary>
public sealed class ValidationRun
{
    private volatile TableRun[] _tables = [];
    private long _errors;
    private int _status;
    private (DateTimeOffset At, long Rows)? _lastSample;
    private string? _lastError;

    /// <param name="repair">False for a report-only run: what it finds is stored and listed, never repaired.</param>
    public ValidationRun(
        Guid id, RunKind kind, Direction baseSide, long utime, long intervalMs, DateTimeOffset startedAt, long maxRowsPerSecond = 0, bool repair = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(utime);
        ArgumentOutOfRangeException.ThrowIfNegative(maxRowsPerSecond);
        ArgumentOutOfRangeException.ThrowIfNegative(intervalMs);
        Id = id;
        Kind = kind;
        BaseSide = baseSide;
        Utime = utime;
        IntervalMs = intervalMs;
        StartedAt = startedAt;
        MaxRowsPerSecond = maxRowsPerSecond;
        Repair = repair;
    }

    /// <summary>
    /// Rebuilds a run from its checkpoint: <paramref name="running"/> to continue it (a resume: each table goes on from
    /// its safe cursors), otherwise as it was last seen, with a run that was still running shown as interrupted.
    /// </summary>
    public static ValidationRun FromCheckpoint(RunCheckpoint checkpoint, bool running)
    {
        var run = new ValidationRun(
            checkpoint.RunId, checkpoint.Kind, checkpoint.BaseSide, checkpoint.Utime, checkpoint.IntervalMs, checkpoint.StartedAt,
            checkpoint.MaxRowsPerSecond, checkpoint.Repair)
        {
            _lastError = checkpoint.LastError,
            _tables = checkpoint.Tables.Select(TableRun.FromCheckpoint).ToArray(),
        };
        foreach (var table in run._tables)
        {
            table.Attach(run);
        }

        run._errors = checkpoint.Errors;
        if (!running)
        {
            run._status = (int)(checkpoint.Status == RunStatus.Running ? RunStatus.Interrupted : checkpoint.Status);
            run.EndedAt = checkpoint.EndedAt ?? checkpoint.SavedAt;
        }

        return run;
    }

    /// <summary>The run's progress as a checkpoint, each table with its safe cursors.</summary>
    public RunCheckpoint ToCheckpoint(DateTimeOffset savedAt) => new(
        Id, Kind, BaseSide, Utime, IntervalMs, StartedAt, EndedAt, Status, _errors, _lastError, savedAt, MaxRowsPerSecond,
        _tables.Select(t => t.ToCheckpoint()).ToArray(), Repair);

    public Guid Id { get; }

    public RunKind Kind { get; }

    /// <summary>The side that was the truth when the run started.</summary>
    public Direction BaseSide { get; }

    /// <summary>Incremental runs check rows whose version is at or after this (ms since the epoch).</summary>
    public long Utime { get; }

    /// <summary>Incremental runs poll again after this many milliseconds once caught up.</summary>
    public long IntervalMs { get; }

    public DateTimeOffset StartedAt { get; }

    /// <summary>The most rows per second the run may check; 0 is unlimited.</summary>
    public long MaxRowsPerSecond { get; }

    /// <summary>
    /// Incremental runs: the rate of each table's rolling sweep as the run's request set it (0 turns the sweep off);
    /// null: the configured one (or, resumed, the one each table was swept at).
    /// </summary>
    public long? SweepMaxRowsPerSecond
    {
        get;
        init => field = value is null or >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "A sweep rate is 0 (off) or more.");
    }

    /// <summary>
    /// Whether what the run finds is handed to the repair. A report-only run (false) writes to neither side: its
    /// differences are stored and listed, and can be repaired later on request.
    /// </summary>
    public bool Repair { get; }

    public DateTimeOffset? EndedAt { get; private set; }

    public RunStatus Status => (RunStatus)Volatile.Read(ref _status);

    /// <summary>The run's tables, in the order it works on them; empty until it has read the catalog.</summary>
    public IReadOnlyList<TableRun> Tables => _tables;

    /// <summary>The table names, or a summary when there are several (for logs and the seed's one-table status).</summary>
    public string Table => _tables switch
    {
        [] => "",
        [var only] => only.Table,
        var many => $"{many.Length} tables",
    };

    public long RowsChecked => _tables.Sum(t => t.RowsChecked);

    public long EstimatedRows => _tables.Sum(t => t.EstimatedRows);

    public long EventsPublished => _tables.Sum(t => t.EventsPublished);

    /// <summary>Failed attempts that were retried, of the run and its tables.</summary>
    public long Errors => Interlocked.Read(ref _errors) + _tables.Sum(t => t.Errors);

    public string? LastError => _tables.Where(t => t.LastErrorAt is not null).MaxBy(t => t.LastErrorAt)?.LastError ?? _lastError;

    public long SuspectsPending => _tables.Sum(t => t.SuspectsPending);

    public long SuspectsCleared => _tables.Sum(t => t.SuspectsCleared);

    public long InconsistenciesOf(InconsistencyType type) => _tables.Sum(t => t.InconsistenciesOf(type));

    /// <summary>Rows per second between the last two <see cref="SampleRate"/> calls, over every table.</summary>
    public double RecentRowsPerSecond { get; private set; }

    public TableRun? Find(string table) => _tables.FirstOrDefault(t => string.Equals(t.Table, table, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Sets the tables the run covers, keeping the progress of those it had already (a resume); a table no longer
    /// configured is dropped.
    /// </summary>
    public void Plan(IEnumerable<string> tables)
    {
        var previous = _tables;
        var planned = tables.Select(name => previous.FirstOrDefault(t => string.Equals(t.Table, name, StringComparison.OrdinalIgnoreCase)) ?? new TableRun(name))
            .ToArray();
        foreach (var table in planned)
        {
            table.Attach(this);
        }

        _tables = planned;
    }

    /// <summary>Measures the rate since the previous sample, for the run and each table; called at a steady pace by the run's owner.</summary>
    public void SampleRate(DateTimeOffset now)
    {
        var rows = RowsChecked;
        if (_lastSample is { } last && now > last.At)
        {
            RecentRowsPerSecond = (rows - last.Rows) / (now - last.At).TotalSeconds;
        }

        _lastSample = (now, rows);
        foreach (var table in _tables)
        {
            table.SampleRate(now);
        }
    }

    /// <summary>An error of the run itself (not of one table), retried or saved for the record.</summary>
    public void RecordError(string message, DateTimeOffset at)
    {
        Interlocked.Increment(ref _errors);
        _lastError = message;
    }

    public void Complete(DateTimeOffset at) => End(RunStatus.Completed, at);

    public void Stop(DateTimeOffset at) => End(RunStatus.Stopped, at);

    /// <summary>Ends the run because the process is stopping; it stays resumable.</summary>
    public void Interrupt(DateTimeOffset at) => End(RunStatus.Interrupted, at);

    public void Fail(string message, DateTimeOffset at)
    {
        _lastError = message;
        End(RunStatus.Failed, at);
    }

    private void End(RunStatus status, DateTimeOffset at)
    {
        if (Interlocked.CompareExchange(ref _status, (int)status, (int)RunStatus.Running) == (int)RunStatus.Running)
        {
            EndedAt = at;
        }
    }
}
