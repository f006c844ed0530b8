using System.Text.Json;
using Migration.Domain;
using Migration.Domain.Inconsistencies;

namespace Migration.Application.Abstractions;

/// <summary>
/// Every difference found (by a validation run or a failed double write), kept in the control database with both sides'
/// values and what became of it, for the last runs (<c>Migration:Report:KeepRuns</c>).
/// </summary>
public interface IDifferenceStore
{
    /// <summary>Stored differences that match, newest first: those with an id below <paramref name="after"/> when given.</summary>
    Task<IReadOnlyList<StoredDifference>> ListAsync(DifferenceFilter filter, long? after, int limit, CancellationToken cancellationToken);

    /// <summary>How many differences of the run are stored, by outcome.</summary>
    Task<IReadOnlyDictionary<DifferenceOutcome, long>> CountOutcomesAsync(Guid runId, CancellationToken cancellationToken);

    /// <summary>
    /// Hands the selected differences that are still open (<c>pending</c> or <c>conflict</c>) to the repair again: each
    /// is written into the outbox as an event with the same id, confirmed now, with <paramref name="winner"/> as its base
    /// side (the run's base when null; a named winner is copied whatever the repair policy prefers), and is pending
    /// again until the repair reports its outcome.
    /// </summary>
    Task<DifferenceRequeue> RequeueAsync(DifferenceFilter filter, IReadOnlyCollection<string>? keys, Direction? winner, CancellationToken cancellationToken);
}

/// <summary>Which stored differences: every condition given must hold.</summary>
/// <param name="Table">A migrated table's name (compared without regard to case).</param>
public sealed record DifferenceFilter(Guid? RunId = null, string? Table = null, InconsistencyType? Type = null, DifferenceOutcome? Outcome = null);

/// <summary>One stored difference.</summary>
/// <param name="Id">Ascending in the order they were stored.</param>
/// <param name="RunId">The run that found it; null for a failed double write.</param>
/// <param name="EventId">The event that carries it to the repair; the repair reports its outcome by it.</param>
/// <param name="Key">The row's key as text: its value for a single-column key, else a JSON object by column.</param>
/// <param name="KeyColumns">The row's key as a JSON object by column.</param>
/// <param name="BaseSide">The side that was the truth when it was found.</param>
/// <param name="Columns">The differing columns with both sides' values (for a missing row, every column); values longer
/// than 256 characters are cut, with their length; redacted columns hold a hash.</param>
public sealed record StoredDifference(
    long Id,
    Guid? RunId,
    Guid EventId,
    string Table,
    string Key,
    JsonElement KeyColumns,
    InconsistencyType Type,
    Direction BaseSide,
    IReadOnlyList<ColumnDifference> Columns,
    DateTimeOffset DetectedAt,
    DifferenceOutcome Outcome,
    DateTimeOffset? OutcomeAt);

/// <param name="Requeued">Differences handed to the repair again.</param>
/// <param name="KeysNotOpen">Keys asked for that match no open difference (none stored, or already repaired or gone).</param>
public sealed record DifferenceRequeue(long Requeued, IReadOnlyList<string> KeysNotOpen);
