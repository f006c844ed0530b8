using Migration.Application.Validation;
using Migration.Domain;
using Migration.Domain.Inconsistencies;

namespace Migration.WebApi.Cli;

/// <summary>What <c>validate --report FILE</c> writes.</summary>
/// <param name="Result"><c>equal</c>, <c>differences</c> or <c>error</c>.</param>
/// <param name="ExitCode">0, 1 or 2, as the process exits.</param>
/// <param name="Repair">Whether <c>--repair</c> was given.</param>
/// <param name="Seconds">How long the command took, start-up included.</param>
/// <param name="Run">The full run: rows checked, counts by type (<c>inconsistencies</c>), start and end; null when it did not start.</param>
/// <param name="Verification">With <c>--repair</c>: the full run after the repair, when the first found differences.</param>
/// <param name="OpenConflicts">With <c>--repair</c>: rows the repair policy refused to touch, open at the end.</param>
/// <param name="OpenDeadLetters">With <c>--repair</c>: events the repair gave up on, open at the end.</param>
/// <param name="Differences">The differences <see cref="Run"/> found (the first <see cref="ListLimit"/>).</param>
/// <param name="RemainingDifferences">The differences <see cref="Verification"/> found (the first <see cref="ListLimit"/>).</param>
/// <param name="ListLimit">At most this many differences are listed per run; the counts in the runs are complete.</param>
/// <param name="Error">Why the command failed (exit code 2); null otherwise.</param>
internal sealed record ValidateReport(
    string Result,
    int ExitCode,
    bool Repair,
    DateTimeOffset StartedAt,
    DateTimeOffset EndedAt,
    double Seconds,
    RunDto? Run,
    RunDto? Verification,
    long? OpenConflicts,
    long? OpenDeadLetters,
    IReadOnlyList<DifferenceDto> Differences,
    IReadOnlyList<DifferenceDto> RemainingDifferences,
    int ListLimit,
    string? Error);

/// <summary>One row that differs, as the event published for it says.</summary>
/// <param name="Type"><c>target_missing</c>, <c>neq</c> or <c>base_missing</c>.</param>
/// <param name="BaseSide">The side taken as the truth: <c>SRC</c> or <c>DST</c>.</param>
/// <param name="Key">The row's key: its value for a single-column key, else a JSON object by column.</param>
/// <param name="Columns">For <c>neq</c>, the columns that differ, with both sides' values.</param>
internal sealed record DifferenceDto(string Table, string Key, string Type, string BaseSide, IReadOnlyList<ColumnDifference> Columns, DateTimeOffset DetectedAt)
{
    public static DifferenceDto From(InconsistentEvent e) =>
        new(e.Table, e.Key.ToText(), e.Type.ToWire(), e.Direction.ToWire(), e.Differences, e.DetectedAt);
}
