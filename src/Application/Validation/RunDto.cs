using System.Text.Json.Serialization;
using Migration.Domain;
using Migration.Domain.Inconsistencies;
using Migration.Domain.Runs;

namespace Migration.Application.Validation;

/// <summary>
/// A keyset position: the last version (incremental runs) and key read, as text; null before the first row. A key is
/// its value for a single-column key (<c>42</c>, <c>"ab-12"</c>), else a JSON object by column.
/// </summary>
public sealed record CursorDto(string? Version, string? Key)
{
    public static CursorDto From(TableCursor cursor) => new(cursor.Version, cursor.Key);
}

/// <summary>One table's part of a run.</summary>
/// <param name="Status"><c>pending</c>, <c>running</c>, <c>completed</c>, <c>failed</c>, or <c>fullonly</c> (an incremental run leaves out a table without version column).</param>
/// <param name="EstimatedRows">Rows on the larger side as the engine estimates them (0 when unknown).</param>
/// <param name="Percent">Of the estimated rows checked; null without an estimate.</param>
/// <param name="RowsPerSecond">Over the last few seconds.</param>
/// <param name="EtaSeconds">Seconds left at that rate (running full runs with an estimate), else null.</param>
/// <param name="CursorLagMs">Incremental runs: how far the base cursor's version is behind now, in ms.</param>
public sealed record TableRunDto(
    string Table,
    string Status,
    long RowsChecked,
    long EstimatedRows,
    double? Percent,
    double RowsPerSecond,
    double? EtaSeconds,
    InconsistencyCountsDto Inconsistencies,
    long EventsPublished,
    long Errors,
    string? LastError,
    CursorDto Cursor,
    CursorDto TargetCursor,
    long? CursorLagMs,
    long SuspectsPending,
    long SuspectsCleared,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt)
{
    /// <summary>Incremental runs: the table's rolling sweep; null when the table is not swept.</summary>
    public SweepDto? Sweep { get; init; }

    public static TableRunDto From(TableRun t, RunKind kind) => new(
        t.Table,
        t.Status.ToString().ToLowerInvariant(),
        t.RowsChecked,
        t.EstimatedRows,
        t.Percent,
        Math.Round(t.RecentRowsPerSecond, 1),
        kind == RunKind.Full && t.Status == TableRunStatus.Running && t.EstimatedRows > 0 && t.RecentRowsPerSecond > 0
            ? Math.Round(Math.Max(0, t.EstimatedRows - t.RowsChecked) / t.RecentRowsPerSecond, 1)
            : null,
        new InconsistencyCountsDto(
            t.InconsistenciesOf(InconsistencyType.TargetMissing), t.InconsistenciesOf(InconsistencyType.Neq), t.InconsistenciesOf(InconsistencyType.BaseMissing)),
        t.EventsPublished,
        t.Errors,
        t.LastError,
        CursorDto.From(t.BaseCursor),
        CursorDto.From(t.TargetCursor),
        kind == RunKind.Incremental ? t.CursorLagMs : null,
        t.SuspectsPending,
        t.SuspectsCleared,
        t.StartedAt,
        t.EndedAt)
    {
        Sweep = t.Sweep is { } sweep ? SweepDto.From(sweep) : null,
    };
}

/// <summary>A table's rolling sweep: whole passes over its key range by chunk checksums, at a low rate, over and over.</summary>
/// <param name="Only">The table has no version column: the sweep is all that validates it.</param>
/// <param name="MaxRowsPerSecond">The sweep's rate on this table (each side).</param>
/// <param name="RowsThisPass">Rows compared in the pass under way.</param>
/// <param name="Passes">Whole passes completed since the run started.</param>
/// <param name="Cursor">The last key the pass under way compared; null at its start.</param>
/// <param name="EstimatedRows">Rows a pass covers: the last pass's, or the engine's estimate before the first.</param>
/// <param name="EstimatedFullPassSeconds">How long a whole pass takes at the rate: estimated rows / rate.</param>
/// <param name="LastPassSeconds">How long the last completed pass took.</param>
/// <param name="LastPassRows">Rows the last completed pass compared.</param>
/// <param name="LastPassStartedAt">When the last completed pass started.</param>
/// <param name="LastPassCompletedAt">When the last completed pass ended (its differences re-checked and published).</param>
public sealed record SweepDto(
    bool Only,
    long MaxRowsPerSecond,
    long RowsThisPass,
    long Passes,
    string? Cursor,
    long EstimatedRows,
    double? EstimatedFullPassSeconds,
    double? LastPassSeconds,
    long LastPassRows,
    DateTimeOffset? LastPassStartedAt,
    DateTimeOffset? LastPassCompletedAt)
{
    public static SweepDto From(SweepProgress s) => new(
        s.Only, s.MaxRowsPerSecond, s.RowsThisPass, s.Passes, s.Cursor, s.EstimatedRows, s.EstimatedPassSeconds, s.LastPassSeconds,
        s.LastPassRows, s.LastPassStartedAt, s.LastPassCompletedAt);
}

public sealed record InconsistencyCountsDto(
    [property: JsonPropertyName("target_missing")] long TargetMissing,
    [property: JsonPropertyName("neq")] long Neq,
    [property: JsonPropertyName("base_missing")] long BaseMissing);

/// <summary>A validation run and its progress.</summary>
/// <param name="Kind"><c>incremental</c> or <c>full</c>.</param>
/// <param name="Status"><c>running</c>, <c>completed</c>, <c>stopped</c> or <c>failed</c>.</param>
/// <param name="BaseSide">The side taken as the truth: <c>SRC</c> or <c>DST</c>.</param>
/// <param name="Interval">Poll interval in ms (incremental runs only).</param>
/// <param name="Table">The table's name when the run covers one table, else how many it covers.</param>
/// <param name="SuspectsPending">Rows that differed once and wait to be read again before they are reported.</param>
/// <param name="SuspectsCleared">Rows that differed once but were equal when read again (caught mid double write).</param>
/// <param name="RecentRowsPerSecond">Rows per second over the last few seconds.</param>
/// <param name="MaxRowsPerSecond">The run's throttle; 0 is unlimited.</param>
/// <param name="CursorLagMs">Incremental runs: how far the base cursor is behind now, in ms (null before the first row).</param>
/// <param name="EstimatedRows">Full runs: rows on the larger side as estimated at start (0 when unknown).</param>
/// <param name="EtaSeconds">Full runs still running: seconds left at the recent rate (null when unknown).</param>
public sealed record RunDto(
    Guid Id,
    string Kind,
    string Status,
    string Table,
    string BaseSide,
    long Utime,
    long? Interval,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    long RowsChecked,
    double RowsPerSecond,
    InconsistencyCountsDto Inconsistencies,
    long EventsPublished,
    long Errors,
    string? LastError,
    long SuspectsPending,
    long SuspectsCleared,
    double RecentRowsPerSecond,
    long MaxRowsPerSecond,
    long? CursorLagMs,
    long EstimatedRows,
    double? EtaSeconds)
{
    /// <summary>Each table's part: status, progress, rate, ETA, differences, cursors.</summary>
    public IReadOnlyList<TableRunDto> Tables { get; init; } = [];

    /// <summary>Of the estimated rows of every table checked; null without an estimate.</summary>
    public double? Percent { get; init; }

    /// <summary>Whether what the run finds goes to the repair; false for a report-only run.</summary>
    public bool Repair { get; init; } = true;

    public static RunDto From(ValidationRun run, DateTimeOffset now)
    {
        var rows = run.RowsChecked;
        var seconds = ((run.EndedAt ?? now) - run.StartedAt).TotalSeconds;
        return new RunDto(
            run.Id,
            run.Kind == RunKind.Full ? "full" : "incremental",
            run.Status.ToString().ToLowerInvariant(),
            run.Table,
            run.BaseSide.ToWire(),
            run.Utime,
            run.Kind == RunKind.Incremental ? run.IntervalMs : null,
            run.StartedAt,
            run.EndedAt,
            rows,
            seconds > 0 ? Math.Round(rows / seconds, 1) : 0,
            new InconsistencyCountsDto(
                run.InconsistenciesOf(InconsistencyType.TargetMissing),
                run.InconsistenciesOf(InconsistencyType.Neq),
                run.InconsistenciesOf(InconsistencyType.BaseMissing)),
            run.EventsPublished,
            run.Errors,
            run.LastError,
            run.SuspectsPending,
            run.SuspectsCleared,
            Math.Round(run.RecentRowsPerSecond, 1),
            run.MaxRowsPerSecond,
            CursorLag(run, now),
            run.EstimatedRows,
            Eta(run))
        {
            Tables = run.Tables.Select(t => TableRunDto.From(t, run.Kind)).ToArray(),
            Percent = run.Status == RunStatus.Completed ? 100
                : run.EstimatedRows > 0 ? Math.Min(100, Math.Round(100.0 * rows / run.EstimatedRows, 1)) : null,
            Repair = run.Repair,
        };
    }

    /// <summary>Incremental runs: the largest lag of a table's base cursor behind now, once a cursor has passed a row.</summary>
    public static long? CursorLag(ValidationRun run, DateTimeOffset now) =>
        run.Kind == RunKind.Incremental ? run.Tables.Select(t => t.CursorLagMs).Max() : null;

    private static double? Eta(ValidationRun run) =>
        run.Kind == RunKind.Full && run.Status == RunStatus.Running && run.EstimatedRows > 0 && run.RecentRowsPerSecond > 0
            ? Math.Round(Math.Max(0, run.EstimatedRows - run.RowsChecked) / run.RecentRowsPerSecond, 1)
            : null;
}

/// <summary>The answer to a stop: whether a run was still running, and the last run's final figures.</summary>
public sealed record StopResultDto(bool WasRunning, RunDto? Run)
{
    public static StopResultDto From(Abstractions.StopOutcome outcome, DateTimeOffset now) =>
        new(outcome.WasRunning, outcome.Run is null ? null : RunDto.From(outcome.Run, now));
}
