using Migration.Domain.Runs;

namespace Migration.Application.Abstractions;

/// <summary>
/// Every validation run of the last <c>Migration:Report:KeepRuns</c>, whatever its kind and whichever instance ran it:
/// settings, status and counts per table, as last saved (with the run's checkpoint, so at most a checkpoint interval old).
/// </summary>
public interface IRunHistory
{
    /// <summary>Runs newest first: those with a <see cref="HistoricRun.Position"/> below <paramref name="before"/> when given.</summary>
    Task<IReadOnlyList<HistoricRun>> ListAsync(long? before, int limit, CancellationToken cancellationToken);

    /// <summary>The run as last saved, or null when it is unknown (never run, or past the retention).</summary>
    Task<RunCheckpoint?> GetAsync(Guid runId, CancellationToken cancellationToken);

    /// <summary>Deletes the runs older than the last <c>KeepRuns</c> and their differences; returns how many runs went.</summary>
    Task<int> PruneAsync(CancellationToken cancellationToken);
}

/// <param name="Position">Ascending in the order runs started: the paging cursor.</param>
public sealed record HistoricRun(long Position, RunCheckpoint Run);
