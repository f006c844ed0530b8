using System.Text.Json.Serialization;
using Migration.Domain;
using Migration.Domain.Inconsistencies;
using Migration.Domain.Runs;

namespace Migration.Application.Validation;

/// <summary>A keyset position; <see cref="Id"/> is null before the first row.</summary>
public sealed record CursorDto(long Utime, long? Id);

public sealed record InconsistencyCountsDto(
    [property: JsonPropertyName("target_missing")] long TargetMissing,
    [property: JsonPropertyName("neq")] long Neq,
    [property: JsonPropertyName("base_missing")] long BaseMissing);

/// <summary>A validation run and its progress.</summary>
/// <param name="Kind"><c>incremental</c> or <c>full</c>.</param>
/// <param name="Status"><c>running</c>, <c>completed</c>, <c>stopped</c> or <c>failed</c>.</param>
/// <param name="BaseSide">The side taken as the truth: <c>SRC</c> or <c>DST</c>.</param>
/// <param name="Interval">Poll interval in ms (incremental runs only).</param>
/// <param name="Cursor">Last row checked base → target.</param>
/// <param name="TargetCursor">Last row checked target → base.</param>
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
    CursorDto Cursor,
    CursorDto TargetCursor,
    long SuspectsPending,
    long SuspectsCleared,
    double RecentRowsPerSecond,
    long MaxRowsPerSecond,
    long? CursorLagMs,
    long EstimatedRows,
    double? EtaSeconds)
{
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
            ToDto(run.BaseCursor),
            ToDto(run.TargetCursor),
            run.SuspectsPending,
            run.SuspectsCleared,
            Math.Round(run.RecentRowsPerSecond, 1),
            run.MaxRowsPerSecond,
            CursorLag(run, now),
            run.EstimatedRows,
            Eta(run));
    }

    /// <summary>Incremental runs: now minus the base cursor's utime, once the cursor has passed a row.</summary>
    public static long? CursorLag(ValidationRun run, DateTimeOffset now) =>
        run.Kind == RunKind.Incremental && run.BaseCursor.Id != long.MinValue
            ? Math.Max(0, now.ToUnixTimeMilliseconds() - run.BaseCursor.Utime)
            : null;

    private static double? Eta(ValidationRun run) =>
        run.Kind == RunKind.Full && run.Status == RunStatus.Running && run.EstimatedRows > 0 && run.RecentRowsPerSecond > 0
            ? Math.Round(Math.Max(0, run.EstimatedRows - run.RowsChecked) / run.RecentRowsPerSecond, 1)
            : null;

    private static CursorDto ToDto(RowCursor cursor) =>
        new(cursor.Utime, cursor.Id == long.MinValue ? null : cursor.Id);
}

/// <summary>The answer to a stop: whether a run was still running, and the last run's final figures.</summary>
public sealed record StopResultDto(bool WasRunning, RunDto? Run)
{
    public static StopResultDto From(Abstractions.StopOutcome outcome, DateTimeOffset now) =>
        new(outcome.WasRunning, outcome.Run is null ? null : RunDto.From(outcome.Run, now));
}
