using Migration.Domain;
using Migration.Domain.Runs;

namespace Migration.Infrastructure.State;

/// <summary>The stored form of a <see cref="RunCheckpoint"/>'s settings: one row per run kind.</summary>
internal sealed class RunCheckpointRow
{
    public string Kind { get; set; } = "";

    public Guid RunId { get; set; }

    public string BaseSide { get; set; } = "";

    public long Utime { get; set; }

    public long IntervalMs { get; set; }

    public DateTimeOffset StartedAt { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    public string Status { get; set; } = "";

    public long Errors { get; set; }

    public string? LastError { get; set; }

    public DateTimeOffset SavedAt { get; set; }

    public long MaxRowsPerSecond { get; set; }

    public void CopyFrom(RunCheckpoint c)
    {
        Kind = c.Kind.ToString();
        RunId = c.RunId;
        BaseSide = c.BaseSide.ToWire();
        Utime = c.Utime;
        IntervalMs = c.IntervalMs;
        StartedAt = c.StartedAt;
        EndedAt = c.EndedAt;
        Status = c.Status.ToString();
        Errors = c.Errors;
        LastError = Truncate(c.LastError);
        SavedAt = c.SavedAt;
        MaxRowsPerSecond = c.MaxRowsPerSecond;
    }

    public RunCheckpoint ToCheckpoint(IEnumerable<TableCheckpointRow> tables) => new(
        RunId,
        Enum.Parse<RunKind>(Kind),
        DirectionExtensions.TryParseWire(BaseSide, out var side) ? side : Direction.Src,
        Utime,
        IntervalMs,
        StartedAt,
        EndedAt,
        Enum.Parse<RunStatus>(Status),
        Errors,
        LastError,
        SavedAt,
        MaxRowsPerSecond,
        tables.Where(t => t.RunId == RunId).OrderBy(t => t.Position).Select(t => t.ToCheckpoint()).ToArray());

    internal static string? Truncate(string? error) => error is { Length: > 2000 } ? error[..2000] : error;
}

/// <summary>One table's progress in the latest run of a kind: a row per (run kind, table), so a restart resumes each table.</summary>
internal sealed class TableCheckpointRow
{
    public string Kind { get; set; } = "";

    public string Table { get; set; } = "";

    /// <summary>The run the row belongs to: rows of an older run of the kind are replaced.</summary>
    public Guid RunId { get; set; }

    /// <summary>The table's place in the run, so a resume works on the tables in the same order.</summary>
    public int Position { get; set; }

    public string Status { get; set; } = "";

    public string? BaseVersion { get; set; }

    public string? BaseKey { get; set; }

    public long? BaseVersionMs { get; set; }

    public string? TargetVersion { get; set; }

    public string? TargetKey { get; set; }

    public long? TargetVersionMs { get; set; }

    public long RowsChecked { get; set; }

    public long EstimatedRows { get; set; }

    public long TargetMissing { get; set; }

    public long Neq { get; set; }

    public long BaseMissing { get; set; }

    public long EventsPublished { get; set; }

    public long Errors { get; set; }

    public string? LastError { get; set; }

    public long? CaughtUpAtMs { get; set; }

    public void CopyFrom(RunKind kind, Guid runId, int position, TableCheckpoint t)
    {
        Kind = kind.ToString();
        Table = t.Table;
        RunId = runId;
        Position = position;
        Status = t.Status.ToString();
        (BaseVersion, BaseKey, BaseVersionMs) = (t.BaseCursor.Version, t.BaseCursor.Key, t.BaseCursor.VersionMs);
        (TargetVersion, TargetKey, TargetVersionMs) = (t.TargetCursor.Version, t.TargetCursor.Key, t.TargetCursor.VersionMs);
        RowsChecked = t.RowsChecked;
        EstimatedRows = t.EstimatedRows;
        (TargetMissing, Neq, BaseMissing) = (t.TargetMissing, t.Neq, t.BaseMissing);
        EventsPublished = t.EventsPublished;
        Errors = t.Errors;
        LastError = RunCheckpointRow.Truncate(t.LastError);
        CaughtUpAtMs = t.CaughtUpAt?.ToUnixTimeMilliseconds();
    }

    public TableCheckpoint ToCheckpoint() => new(
        Table,
        Enum.Parse<TableRunStatus>(Status),
        new TableCursor(BaseVersion, BaseKey, BaseVersionMs),
        new TableCursor(TargetVersion, TargetKey, TargetVersionMs),
        RowsChecked,
        TargetMissing,
        Neq,
        BaseMissing,
        EventsPublished,
        Errors,
        LastError,
        EstimatedRows,
        CaughtUpAtMs is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null);
}
