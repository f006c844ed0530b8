using Migration.Domain.Runs;

namespace Migration.Application.Abstractions;

/// <summary>Compares the migrated table on the two sides and publishes every confirmed difference.</summary>
public interface ITableValidator
{
    /// <summary>The table this validator compares.</summary>
    string Table { get; }

    /// <summary>
    /// Walks the rows the run asks for, recording progress on <paramref name="run"/>. A full run returns when the
    /// whole table has been checked; an incremental run polls until <paramref name="cancellationToken"/> is cancelled.
    /// Query and publish failures are retried after a back-off and never skip rows; cancellation ends the walk
    /// by throwing <see cref="OperationCanceledException"/>.
    /// </summary>
    Task RunAsync(ValidationRun run, CancellationToken cancellationToken);
}
