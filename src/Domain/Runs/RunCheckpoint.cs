namespace Migration.Domain.Runs;

/// <summary>
/// What survives a restart of a validation run: its settings, and each table's safe cursors and counters. The counters
/// may count again the few rows between a safe cursor and where the run really was.
/// </summary>
/// <param name="Repair">Whether the run hands what it finds to the repair; false for a report-only run.</param>
public sealed record RunCheckpoint(
    Guid RunId,
    RunKind Kind,
    Direction BaseSide,
    long Utime,
    long IntervalMs,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    RunStatus Status,
    long Errors,
    string? LastError,
    DateTimeOffset SavedAt,
    long MaxRowsPerSecond,
    IReadOnlyList<TableCheckpoint> Tables,
    bool Repair = true)
{
    public long RowsChecked => Tables.Sum(t => t.RowsChecked);

    public long TargetMissing => Tables.Sum(t => t.TargetMissing);

    public long Neq => Tables.Sum(t => t.Neq);

    public long BaseMissing => Tables.Sum(t => t.BaseMissing);
}
