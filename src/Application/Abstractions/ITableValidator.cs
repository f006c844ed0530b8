using Migration.Domain.Runs;

namespace Migration.Application.Abstractions;

/// <summary>Compares the configured tables on the two sides and publishes every confirmed difference.</summary>
public interface ITableValidator
{
    /// <summary>
    /// Reads both sides' schemas and refuses a run of <paramref name="kind"/> that could not compare the configured
    /// tables: a missing table or column, key columns that differ, a key that cannot order rows, incompatible types, or
    /// (incremental runs) no table with a version column. A database that does not answer is no refusal: the run
    /// reads the schemas again, retrying.
    /// </summary>
    /// <exception cref="Common.TableShapeException">Every table and column that cannot be compared.</exception>
    /// <exception cref="Common.ConflictException">An incremental run with no table that has a version column.</exception>
    Task EnsureComparableAsync(RunKind kind, CancellationToken cancellationToken);

    /// <summary>
    /// Walks every configured table as the run asks, recording progress per table on <paramref name="run"/>. A full run
    /// returns when every table has been checked; an incremental run polls until <paramref name="cancellationToken"/> is
    /// cancelled. Query and publish failures are retried after a back-off and never skip rows; a table that cannot be
    /// compared fails alone, the others go on. Cancellation ends the walk by throwing <see cref="OperationCanceledException"/>.
    /// </summary>
    Task RunAsync(ValidationRun run, CancellationToken cancellationToken);
}
