using System.Text.Json;
using Migration.Domain;
using Migration.Domain.Runs;

namespace Migration.Infrastructure.State;

/// <summary>
/// A row of <c>migration_runs</c>: one validation run of the history, as its checkpoint was last saved (at its start,
/// every checkpoint interval and at its end), with its counts per table. Times are ms since the epoch.
/// </summary>
internal sealed class RunRecord
{
    private static readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web);

    /// <summary>Ascending in the order runs started (a resume keeps its row): the paging cursor.</summary>
    public long Position { get; set; }

    public Guid RunId { get; set; }

    public string Kind { get; set; } = "";

    public string BaseSide { get; set; } = "";

    public bool Repair { get; set; }

    public long Utime { get; set; }

    public long IntervalMs { get; set; }

    public long MaxRowsPerSecond { get; set; }

    public long StartedAtMs { get; set; }

    public long? EndedAtMs { get; set; }

    public long SavedAtMs { get; set; }

    public string Status { get; set; } = "";

    public long RowsChecked { get; set; }

    public long TargetMissing { get; set; }

    public long Neq { get; set; }

    public long BaseMissing { get; set; }

    public long Errors { get; set; }

    public string? LastError { get; set; }

    /// <summary>Each table's status and counts, as JSON (no cursors: the checkpoint keeps those).</summary>
    public string Tables { get; set; } = "[]";

    public void CopyFrom(RunCheckpoint c)
    {
        RunId = c.RunId;
        Kind = c.Kind.ToString();
        BaseSide = c.BaseSide.ToWire();
        Repair = c.Repair;
        Utime = c.Utime;
        IntervalMs = c.IntervalMs;
        MaxRowsPerSecond = c.MaxRowsPerSecond;
        StartedAtMs = c.StartedAt.ToUnixTimeMilliseconds();
        EndedAtMs = c.EndedAt?.ToUnixTimeMilliseconds();
        SavedAtMs = c.SavedAt.ToUnixTimeMilliseconds();
        Status = c.Status.ToString();
        RowsChecked = c.RowsChecked;
        (TargetMissing, Neq, BaseMissing) = (c.TargetMissing, c.Neq, c.BaseMissing);
        Errors = c.Errors;
        LastError = RunCheckpointRow.Truncate(c.LastError);
        Tables = JsonSerializer.Serialize(c.Tables.Select(t => new TableCounts(
            t.Table, t.Status.ToString(), t.RowsChecked, t.EstimatedRows, t.TargetMissing, t.Neq, t.BaseMissing, t.EventsPublished, t.Errors,
            RunCheckpointRow.Truncate(t.LastError))), _json);
    }

    public RunCheckpoint ToCheckpoint() => new(
        RunId,
        Enum.Parse<RunKind>(Kind),
        DirectionExtensions.TryParseWire(BaseSide, out var side) ? side : Direction.Src,
        Utime,
        IntervalMs,
        DateTimeOffset.FromUnixTimeMilliseconds(StartedAtMs),
        EndedAtMs is { } ended ? DateTimeOffset.FromUnixTimeMilliseconds(ended) : null,
        Enum.Parse<RunStatus>(Status),
        Errors,
        LastError,
        DateTimeOffset.FromUnixTimeMilliseconds(SavedAtMs),
        MaxRowsPerSecond,
        (JsonSerializer.Deserialize<TableCounts[]>(Tables, _json) ?? []).Select(t => new TableCheckpoint(
            t.Table, Enum.TryParse<TableRunStatus>(t.Status, out var status) ? status : TableRunStatus.Pending, TableCursor.Start, TableCursor.Start,
            t.RowsChecked, t.TargetMissing, t.Neq, t.BaseMissing, t.EventsPublished, t.Errors, t.LastError, t.EstimatedRows)).ToArray(),
        Repair);

    private sealed record TableCounts(
        string Table, string Status, long RowsChecked, long EstimatedRows, long TargetMissing, long Neq, long BaseMissing, long EventsPublished, long Errors,
        string? LastError);
}
