namespace Migration.Domain.Runs;

/// <summary>
/// The rolling sweep of one table in an incremental run: passes over the table's whole key range by chunk checksums at
/// a low rate, starting over at the end, so that a difference no version walk or journal sees (a delete, a write that
/// keeps the version, a table without a version column) is found within about one pass. The table's sweep is its only
/// writer; status readers see each counter atomically.
/// </summary>
public sealed class SweepProgress
{
    private long _rowsThisPass;
    private long _passes;

    /// <param name="only">The table has no version walk: the sweep is all that validates it.</param>
    /// <param name="maxRowsPerSecond">The sweep's rate on this table; 0 is unlimited.</param>
    public SweepProgress(bool only, long maxRowsPerSecond)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxRowsPerSecond);
        Only = only;
        MaxRowsPerSecond = maxRowsPerSecond;
    }

    /// <summary>The table has no version walk: the sweep is all that validates it.</summary>
    public bool Only { get; private set; }

    /// <summary>Rows per second the sweep reads on this table (each side); 0 is unlimited.</summary>
    public long MaxRowsPerSecond { get; private set; }

    /// <summary>Rows compared so far in the pass under way.</summary>
    public long RowsThisPass => Interlocked.Read(ref _rowsThisPass);

    /// <summary>Passes over the whole table completed since the run started.</summary>
    public long Passes => Interlocked.Read(ref _passes);

    /// <summary>Rows a pass covers: those of the last completed pass, or the engine's estimate before the first.</summary>
    public long EstimatedRows { get; private set; }

    /// <summary>When the pass under way started; null between passes.</summary>
    public DateTimeOffset? PassStartedAt { get; private set; }

    /// <summary>The last key the pass under way compared (<see cref="Tables.RowKey.ToText"/>); null at its start.</summary>
    public string? Cursor { get; private set; }

    /// <summary>Rows the last completed pass compared.</summary>
    public long LastPassRows { get; private set; }

    /// <summary>How long the last completed pass took, in seconds.</summary>
    public double? LastPassSeconds { get; private set; }

    /// <summary>When the last completed pass started: it proves the table equal (or its differences reported) since then.</summary>
    public DateTimeOffset? LastPassStartedAt { get; private set; }

    public DateTimeOffset? LastPassCompletedAt { get; private set; }

    /// <summary>Seconds a whole pass takes at the sweep's rate (<see cref="EstimatedRows"/> / rate); null when unlimited or unknown.</summary>
    public double? EstimatedPassSeconds => MaxRowsPerSecond > 0 && EstimatedRows > 0 ? Math.Round((double)EstimatedRows / MaxRowsPerSecond, 1, MidpointRounding.AwayFromZero) : null;

    /// <summary>A run (or a resumed one) sweeps the table with these settings.</summary>
    public void Configure(bool only, long maxRowsPerSecond)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxRowsPerSecond);
        (Only, MaxRowsPerSecond) = (only, maxRowsPerSecond);
    }

    /// <summary>
    /// Starts a pass at <paramref name="at"/> unless one is under way (a resumed run goes on from its cursor). The
    /// engine's <paramref name="estimatedRows"/> stands for a pass's rows until a pass has counted them.
    /// </summary>
    /// <returns>The key the pass goes on after; null to start from the first.</returns>
    public string? BeginPass(DateTimeOffset at, long estimatedRows)
    {
        if (Passes == 0)
        {
            EstimatedRows = Math.Max(0, estimatedRows);
        }

        PassStartedAt ??= at;
        return Cursor;
    }

    /// <summary>Rows compared (counted at once, whatever the order the pass's parts end in).</summary>
    public void Counted(long rows) => Interlocked.Add(ref _rowsThisPass, rows);

    /// <summary>Every key up to <paramref name="key"/> has been compared in this pass.</summary>
    public void Reached(string key) => Cursor = key;

    /// <summary>The pass reached the end of the table (and its differences were re-checked) at <paramref name="at"/>.</summary>
    public void CompletePass(DateTimeOffset at)
    {
        var started = PassStartedAt ?? at;
        LastPassRows = RowsThisPass;
        EstimatedRows = LastPassRows;
        LastPassSeconds = Math.Round(Math.Max(0, (at - started).TotalSeconds), 3);
        LastPassStartedAt = started;
        LastPassCompletedAt = at;
        PassStartedAt = null;
        Cursor = null;
        Interlocked.Exchange(ref _rowsThisPass, 0);
        Interlocked.Increment(ref _passes);
    }

    public SweepCheckpoint ToCheckpoint() => new(
        Only, MaxRowsPerSecond, Cursor, RowsThisPass, PassStartedAt, Passes, LastPassRows, LastPassSeconds, LastPassStartedAt,
        LastPassCompletedAt, EstimatedRows);

    public static SweepProgress FromCheckpoint(SweepCheckpoint c)
    {
        var sweep = new SweepProgress(c.Only, Math.Max(0, c.MaxRowsPerSecond))
        {
            Cursor = c.Cursor,
            PassStartedAt = c.PassStartedAt,
            LastPassRows = c.LastPassRows,
            LastPassSeconds = c.LastPassSeconds,
            LastPassStartedAt = c.LastPassStartedAt,
            LastPassCompletedAt = c.LastPassCompletedAt,
            EstimatedRows = c.EstimatedRows,
        };
        sweep._rowsThisPass = c.RowsThisPass;
        sweep._passes = c.Passes;
        return sweep;
    }
}

/// <summary>What survives a restart of a table's sweep: a resumed run goes on from <see cref="Cursor"/>.</summary>
public sealed record SweepCheckpoint(
    bool Only,
    long MaxRowsPerSecond,
    string? Cursor,
    long RowsThisPass,
    DateTimeOffset? PassStartedAt,
    long Passes,
    long LastPassRows,
    double? LastPassSeconds,
    DateTimeOffset? LastPassStartedAt,
    DateTimeOffset? LastPassCompletedAt,
    long EstimatedRows)
{
    /// <summary>Seconds a whole pass takes at the rate; null when unlimited or unknown.</summary>
    public double? EstimatedPassSeconds => MaxRowsPerSecond > 0 && EstimatedRows > 0 ? Math.Round((double)EstimatedRows / MaxRowsPerSecond, 1, MidpointRounding.AwayFromZero) : null;
}
