using Migration.Domain.Runs;

namespace Migration.Application.Abstractions;

/// <summary>
/// Owns the background validation runs: at most one per <see cref="RunKind"/>. Start and stop calls for one kind
/// are serialised, and each awaits the exit of the run it replaces or stops.
/// </summary>
public interface IValidationScheduler
{
    /// <summary>
    /// Stops the run of this kind if any (awaiting its exit), then starts a new one and returns it. Throws
    /// <see cref="Common.ConflictException"/>, changing nothing, when the table cannot be compared
    /// (<see cref="ITableValidator.EnsureComparableAsync"/>).
    /// </summary>
    /// <param name="maxRowsPerSecond">Throttle; null takes the configured default, 0 is unlimited.</param>
    /// <param name="repair">Whether what the run finds goes to the repair (false: report only); null takes the configured default.</param>
    Task<ValidationRun> StartAsync(RunKind kind, long utime, long intervalMs, long? maxRowsPerSecond, bool? repair, CancellationToken cancellationToken);

    /// <summary>
    /// <see cref="StartAsync(RunKind, long, long, long?, bool?, CancellationToken)"/> with the rate of an incremental run's
    /// rolling sweep: <paramref name="sweepMaxRowsPerSecond"/> rows per second and swept table, 0 for no sweep, null for
    /// the configured rate.
    /// </summary>
    Task<ValidationRun> StartAsync(
        RunKind kind, long utime, long intervalMs, long? maxRowsPerSecond, bool? repair, long? sweepMaxRowsPerSecond, CancellationToken cancellationToken);

    /// <summary>
    /// Stops the run of this kind if any, then continues the latest one from its checkpoint (same id, settings,
    /// counters and repair flag; <paramref name="intervalMs"/> and <paramref name="maxRowsPerSecond"/> replace the run's own when given).
    /// Throws <see cref="Common.ConflictException"/>, changing nothing, when there is nothing to resume or the table
    /// cannot be compared.
    /// </summary>
    Task<ValidationRun> ResumeAsync(RunKind kind, long? intervalMs, long? maxRowsPerSecond, CancellationToken cancellationToken);

    /// <summary>Cancels the run of this kind, if one is running, and awaits its exit.</summary>
    Task<StopOutcome> StopAsync(RunKind kind, CancellationToken cancellationToken);

    /// <summary>The latest run of this kind (running or ended), or null.</summary>
    ValidationRun? Latest(RunKind kind);
}

/// <summary>What a stop found: the latest run of the kind (null if none was ever started) and whether it was running.</summary>
public sealed record StopOutcome(ValidationRun? Run, bool WasRunning);
