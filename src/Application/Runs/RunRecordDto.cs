using System.Text.Json.Serialization;
using Migration.Application.Validation;
using Migration.Domain;
using Migration.Domain.Inconsistencies;
using Migration.Domain.Runs;

namespace Migration.Application.Runs;

/// <summary>One run of the history, as last saved (or as this instance runs it now).</summary>
/// <param name="Kind"><c>incremental</c> or <c>full</c>.</param>
/// <param name="Status"><c>running</c>, <c>completed</c>, <c>stopped</c>, <c>failed</c> or <c>interrupted</c>.</param>
/// <param name="BaseSide">The side taken as the truth: <c>SRC</c> or <c>DST</c>.</param>
/// <param name="Repair">Whether what the run found went to the repair; false for a report-only run.</param>
/// <param name="Interval">Poll interval in ms (incremental runs only).</param>
/// <param name="Seconds">From the start to the end, or to the last save while running.</param>
/// <param name="SavedAt">When the figures were saved; a running run saves every checkpoint interval.</param>
public sealed record RunRecordDto(
    Guid Id,
    string Kind,
    string Status,
    string BaseSide,
    bool Repair,
    long Utime,
    long? Interval,
    long MaxRowsPerSecond,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    DateTimeOffset SavedAt,
    double Seconds,
    long RowsChecked,
    InconsistencyCountsDto Inconsistencies,
    long Errors,
    string? LastError,
    IReadOnlyList<RunTableRecordDto> Tables)
{
    /// <summary>
    /// <c>GET /migrator/runs/{id}</c> only: the run's stored differences by outcome (those past the retention are not
    /// counted).
    /// </summary>
    public OutcomeCountsDto? Outcomes { get; init; }

    public static RunRecordDto From(RunCheckpoint run)
    {
        var until = run.EndedAt ?? run.SavedAt;
        return new RunRecordDto(
            run.RunId,
            run.Kind == RunKind.Full ? "full" : "incremental",
            run.Status.ToString().ToLowerInvariant(),
            run.BaseSide.ToWire(),
            run.Repair,
            run.Utime,
            run.Kind == RunKind.Incremental ? run.IntervalMs : null,
            run.MaxRowsPerSecond,
            run.StartedAt,
            run.EndedAt,
            run.SavedAt,
            Math.Round(Math.Max(0, (until - run.StartedAt).TotalSeconds), 3),
            run.RowsChecked,
            new InconsistencyCountsDto(run.TargetMissing, run.Neq, run.BaseMissing),
            run.Errors + run.Tables.Sum(t => t.Errors),
            run.LastError ?? run.Tables.Select(t => t.LastError).LastOrDefault(e => e is not null),
            run.Tables.Select(RunTableRecordDto.From).ToArray());
    }
}

/// <summary>One table's part of a stored run.</summary>
/// <param name="Status"><c>pending</c>, <c>running</c>, <c>completed</c>, <c>failed</c> or <c>fullonly</c>.</param>
public sealed record RunTableRecordDto(
    string Table, string Status, long RowsChecked, long EstimatedRows, InconsistencyCountsDto Inconsistencies, long EventsPublished, long Errors, string? LastError)
{
    public static RunTableRecordDto From(TableCheckpoint t) => new(
        t.Table, t.Status.ToString().ToLowerInvariant(), t.RowsChecked, t.EstimatedRows, new InconsistencyCountsDto(t.TargetMissing, t.Neq, t.BaseMissing),
        t.EventsPublished, t.Errors, t.LastError);
}

/// <summary>Stored differences by outcome.</summary>
public sealed record OutcomeCountsDto(
    long Pending, long Repaired, long Conflict, [property: JsonPropertyName("dead-letter")] long DeadLetter, long Gone)
{
    public long Total => Pending + Repaired + Conflict + DeadLetter + Gone;

    public static OutcomeCountsDto From(IReadOnlyDictionary<DifferenceOutcome, long> counts) => new(
        counts.GetValueOrDefault(DifferenceOutcome.Pending), counts.GetValueOrDefault(DifferenceOutcome.Repaired),
        counts.GetValueOrDefault(DifferenceOutcome.Conflict), counts.GetValueOrDefault(DifferenceOutcome.DeadLetter),
        counts.GetValueOrDefault(DifferenceOutcome.Gone));
}

/// <summary>The history as stored, with the runs this instance runs right now shown as they are now.</summary>
internal static class LiveRuns
{
    public static RunCheckpoint Current(RunCheckpoint stored, Abstractions.IValidationScheduler scheduler, TimeProvider time) =>
        scheduler.Latest(stored.Kind) is { } live && live.Id == stored.RunId ? live.ToCheckpoint(time.GetUtcNow()) : stored;
}
