using Microsoft.Extensions.Logging;
using Migration.Application.Abstractions;
using Migration.Application.Validation;
using Migration.Domain;
using Migration.Domain.Runs;

namespace Migration.Application.Patterns;

/// <summary>
/// After a pattern switch, restarts this instance's running validation runs whose base side is no longer the truth,
/// with the same settings and the new base/target pair. A run whose base is unchanged (<c>src_only ↔ src_first</c>,
/// <c>dst_first ↔ dst_only</c>) keeps running: it compares the same pair as before.
/// </summary>
internal sealed partial class RunRebaser(IValidationScheduler scheduler, TimeProvider time, ILogger<RunRebaser> logger)
{
    public async Task<IReadOnlyList<RunRestartDto>> RebaseAsync(Direction newBase, CancellationToken cancellationToken)
    {
        var results = new List<RunRestartDto>();
        foreach (var kind in Enum.GetValues<RunKind>())
        {
            var run = scheduler.Latest(kind);
            if (run is not { Status: RunStatus.Running })
            {
                continue;
            }

            if (run.BaseSide == newBase)
            {
                results.Add(new RunRestartDto(Wire(kind), false, $"kept: its base side {newBase.ToWire()} is still the truth",
                    null, RunDto.From(run, time.GetUtcNow())));
                continue;
            }

            var stopped = await scheduler.StopAsync(kind, cancellationToken);
            if (!stopped.WasRunning || stopped.Run is not { } old)
            {
                continue; // it ended by itself meanwhile: there is nothing to restart
            }

            // Once stopped, the run is started again whatever happens to the caller: a switch must not leave it stopped.
            var utime = kind == RunKind.Incremental ? ResumeUtime(old) : 0;
            // A report-only run stays report-only: the switch must not start repairing what no one asked to repair.
            // Its sweep keeps the rate it ran at.
            var replacement = await scheduler.StartAsync(
                kind, utime, old.IntervalMs, old.MaxRowsPerSecond, old.Repair, SweepRate(old), CancellationToken.None);
            LogRestarted(kind, old.Id, replacement.Id, old.BaseSide.ToWire(), replacement.BaseSide.ToWire(), utime);
            results.Add(new RunRestartDto(Wire(kind), true,
                $"restarted: the base side changed from {old.BaseSide.ToWire()} to {replacement.BaseSide.ToWire()}",
                old.Id, RunDto.From(replacement, time.GetUtcNow())));
        }

        return results;
    }

    /// <summary>
    /// Where a restarted incremental run starts: just before the older of the stopped run's two cursors. Rows up to that
    /// point were compared already (and any difference published with the old base); everything after it, including
    /// rows sharing the cursor's millisecond, is compared again under the new base. Never before the run's own start.
    /// </summary>
    internal static long ResumeUtime(ValidationRun run) =>
        Math.Max(run.Utime, run.Tables
            .Where(t => t.WalksVersions)
            .SelectMany(t => new[] { t.BaseCursor.VersionMs ?? run.Utime, t.TargetCursor.VersionMs ?? run.Utime })
            .DefaultIfEmpty(run.Utime)
            .Min() - 1);

    /// <summary>The sweep rate the run was asked for, else the one its tables were swept at (a resumed run), else none (configuration).</summary>
    internal static long? SweepRate(ValidationRun run) =>
        run.SweepMaxRowsPerSecond ?? run.Tables.Select(t => t.Sweep?.MaxRowsPerSecond).FirstOrDefault(r => r is not null);

    private static string Wire(RunKind kind) => kind == RunKind.Full ? "full" : "incremental";

    [LoggerMessage(Level = LogLevel.Information, Message = "Pattern switch: {Kind} run {OldRunId} restarted as {NewRunId}, base {OldBase} → {NewBase}, utime > {Utime}")]
    private partial void LogRestarted(RunKind kind, Guid oldRunId, Guid newRunId, string oldBase, string newBase, long utime);
}
