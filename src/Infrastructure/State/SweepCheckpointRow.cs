using Migration.Domain.Runs;

namespace Migration.Infrastructure.State;

/// <summary>
/// One table's rolling sweep in the latest run of a kind (<see cref="SweepCheckpoint"/>), beside its
/// <see cref="TableCheckpointRow"/>: a table of its own, since a control database made by an older version gets new
/// tables at start but no new columns.
/// </summary>
internal sealed class SweepCheckpointRow
{
    public string Kind { get; set; } = "";

    public string Table { get; set; } = "";

    public Guid RunId { get; set; }

    public bool Only { get; set; }

    public long MaxRowsPerSecond { get; set; }

    public string? Cursor { get; set; }

    public long RowsThisPass { get; set; }

    public long? PassStartedAtMs { get; set; }

    public long Passes { get; set; }

    public long LastPassRows { get; set; }

    public double? LastPassSeconds { get; set; }

    public long? LastPassStartedAtMs { get; set; }

    public long? LastPassCompletedAtMs { get; set; }

    public long EstimatedRows { get; set; }

    public void CopyFrom(RunKind kind, Guid runId, string table, SweepCheckpoint s)
    {
        (Kind, RunId, Table) = (kind.ToString(), runId, table);
        (Only, MaxRowsPerSecond, Cursor, RowsThisPass) = (s.Only, s.MaxRowsPerSecond, s.Cursor, s.RowsThisPass);
        PassStartedAtMs = s.PassStartedAt?.ToUnixTimeMilliseconds();
        (Passes, LastPassRows, LastPassSeconds) = (s.Passes, s.LastPassRows, s.LastPassSeconds);
        LastPassStartedAtMs = s.LastPassStartedAt?.ToUnixTimeMilliseconds();
        LastPassCompletedAtMs = s.LastPassCompletedAt?.ToUnixTimeMilliseconds();
        EstimatedRows = s.EstimatedRows;
    }

    public SweepCheckpoint ToCheckpoint() => new(
        Only, MaxRowsPerSecond, Cursor, RowsThisPass, At(PassStartedAtMs), Passes, LastPassRows, LastPassSeconds, At(LastPassStartedAtMs),
        At(LastPassCompletedAtMs), EstimatedRows);

    private static DateTimeOffset? At(long? ms) => ms is { } v ? DateTimeOffset.FromUnixTimeMilliseconds(v) : null;
}
