using Migration.Domain.Runs;

namespace Migration.Application.Abstractions;

/// <summary>Compares the migrated table on the two sides and publishes every confirmed difference.</summary>
public interface ITableValidator
{
    /// <summary>The table this validator compares.</summary>
    string Table { get; }

    /// <summary>
    /// Reads the table's columns on both sides and refuses a run of <paramref name="kind"/> that could not compare
    /// them: a missing table or column, columns that differ between the sides, a key <c>id</c> that is not an integer
    /// of at most 64 bits, or (incremental runs) a <c>utime</c> that is not an integer. A database that does not answer
    /// is no refusal: the run reads the columns again, retrying, and fails on such a table.
    /// </summary>
    /// <exception cref="Common.ConflictException">
    /// The table cannot be compared; <see cref="Common.ConflictException.Details"/> holds <c>table</c>, <c>column</c>
    /// (null when no one column is at fault) and <c>side</c> (<c>SRC</c>, <c>DST</c>, or null for both).
    /// </exception>
    Task EnsureComparableAsync(RunKind kind, CancellationToken cancellationToken);

    /// <summary>
    /// Walks the rows the run asks for, recording progress on <paramref name="run"/>. A full run returns when the
    /// whole table has been checked; an incremental run polls until <paramref name="cancellationToken"/> is cancelled.
    /// Query and publish failures are retried after a back-off and never skip rows; cancellation ends the walk
    /// by throwing <see cref="OperationCanceledException"/>.
    /// </summary>
    Task RunAsync(ValidationRun run, CancellationToken cancellationToken);
}
