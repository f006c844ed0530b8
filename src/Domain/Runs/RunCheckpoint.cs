namespace Migration.Domain.Runs;

/// <summary>
/// What survives a restart of a validation run: its settings, safe cursors and counters. The counters may
/// count again the few rows between a safe cursor and where the run really was.
/// </summary>
public sealed record RunCheckpoint(
    Guid RunId,
    RunKind Kind,
    string Table,
    Direction BaseSide,
    long Utime,
    long IntervalMs,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    RunStatus Status,
    RowCursor BaseCursor,
    RowCursor TargetCursor,
    long RowsChecked,
    long TargetMissing,
    long Neq,
    long BaseMissing,
    long EventsPublished,
    long Errors,
    string? LastError,
    DateTimeOffset SavedAt,
    long MaxRowsPerSecond = 0);
