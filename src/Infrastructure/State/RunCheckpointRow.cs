using Migration.Domain;
using Migration.Domain.Runs;

namespace Migration.Infrastructure.State;

/// <summary>The stored form of a <see cref="RunCheckpoint"/>: one row per run kind.</summary>
internal sealed class RunCheckpointRow
{
    public string Kind { get; set; } = "";

    public Guid RunId { get; set; }

    public string Table { get; set; } = "";

    public string BaseSide { get; set; } = "";

    public long Utime { get; set; }

    public long IntervalMs { get; set; }

    public DateTimeOffset StartedAt { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    public string Status { get; set; } = "";

    public long BaseCursorUtime { get; set; }

    public long BaseCursorId { get; set; }

    public long TargetCursorUtime { get; set; }

    public long TargetCursorId { get; set; }

    public long RowsChecked { get; set; }

    public long TargetMissing { get; set; }

    public long Neq { get; set; }

    public long BaseMissing { get; set; }

    public long EventsPublished { get; set; }

    public long Errors { get; set; }

    public string? LastError { get; set; }

    public DateTimeOffset SavedAt { get; set; }

    public long MaxRowsPerSecond { get; set; }

    public void CopyFrom(RunCheckpoint c)
    {
        Kind = c.Kind.ToString();
        RunId = c.RunId;
        Table = c.Table;
        BaseSide = c.BaseSide.ToWire();
        Utime = c.Utime;
        IntervalMs = c.IntervalMs;
        StartedAt = c.StartedAt;
        EndedAt = c.EndedAt;
        Status = c.Status.ToString();
        (BaseCursorUtime, BaseCursorId) = (c.BaseCursor.Utime, c.BaseCursor.Id);
        (TargetCursorUtime, TargetCursorId) = (c.TargetCursor.Utime, c.TargetCursor.Id);
        RowsChecked = c.RowsChecked;
        (TargetMissing, Neq, BaseMissing) = (c.TargetMissing, c.Neq, c.BaseMissing);
        EventsPublished = c.EventsPublished;
        Errors = c.Errors;
        LastError = c.LastError is { Length: > 2000 } error ? error[..2000] : c.LastError;
        SavedAt = c.SavedAt;
        MaxRowsPerSecond = c.MaxRowsPerSecond;
    }

    public RunCheckpoint ToCheckpoint() => new(
        RunId,
        Enum.Parse<RunKind>(Kind),
        Table,
        DirectionExtensions.TryParseWire(BaseSide, out var side) ? side : Direction.Src,
        Utime,
        IntervalMs,
        StartedAt,
        EndedAt,
        Enum.Parse<RunStatus>(Status),
        new RowCursor(BaseCursorUtime, BaseCursorId),
        new RowCursor(TargetCursorUtime, TargetCursorId),
        RowsChecked,
        TargetMissing,
        Neq,
        BaseMissing,
        EventsPublished,
        Errors,
        LastError,
        SavedAt,
        MaxRowsPerSecond);
}
