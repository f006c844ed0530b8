using Microsoft.Extensions.Options;
using Migration.Application.Abstractions;
using Migration.Domain;
using Migration.Domain.Patterns;
using Migration.Domain.Runs;

namespace Migration.Application.Patterns.Cutover;

/// <summary>
/// No change of the base side without proof. A switch that changes which side is the truth (<c>src_first ↔
/// dst_first</c>, or a forced jump across) is where acknowledged rows would be lost: the new base may lack writes only
/// the old one has, and base-wins repair would then delete or overwrite them. It is ready only when
/// <list type="bullet">
/// <item>every live instance applies the current pattern, with no write of an older one still running;</item>
/// <item>a full validation with the current base, started after that, has completed;</item>
/// <item>a running incremental validation is caught up (within <see cref="CutoverOptions.MaxLagMs"/>), its write-journal
/// lag too (the oldest journal entry it has not verified), and no difference was found for <see cref="CutoverOptions.QuietSeconds"/>;</item>
/// <item>a table of that run that only its sweep compares (no version column) has had a whole sweep pass started since
/// the switch settled;</item>
/// <item>everything found has been repaired: the outbox and the repair backlog are empty, no conflict or dead letter is
/// open, and no instance has rows that differ without an event since that run started.</item>
/// </list>
/// </summary>
internal sealed class CutoverGate(
    IInstanceRegistry instances,
    IRunCheckpointStore checkpoints,
    IRepairBacklog backlog,
    IConflictStore conflicts,
    IDeadLetterStore deadLetters,
    IOptions<CutoverOptions> options,
    TimeProvider time,
    IWriteJournalMonitor? journal = null)
{
    public async Task<CutoverCheck> CheckAsync(StoredPattern current, WritePattern target, CancellationToken cancellationToken)
    {
        var currentBase = current.Pattern.Primary();
        var reasons = new List<string>();
        var live = await instances.LiveInstancesAsync(cancellationToken);
        var lagging = live.Where(i => i.PatternVersion < current.Version).Select(i => i.InstanceId).ToArray();
        if (lagging.Length > 0)
        {
            reasons.Add($"instance(s) {string.Join(", ", lagging)} still apply a pattern older than {current.Pattern.ToWire()} (version {current.Version})");
        }

        var saved = await checkpoints.LoadAsync(cancellationToken);
        var run = saved.SingleOrDefault(c => c.Kind == RunKind.Full);
        var incremental = saved.SingleOrDefault(c => c.Kind == RunKind.Incremental && c.Status == RunStatus.Running);
        var now = time.GetUtcNow();
        // The longest time since a table of the running incremental run was last caught up; null without such a run.
        long? lag = incremental?.Tables.Where(t => t.Status != TableRunStatus.FullOnly && t.Sweep is not { Only: true })
            .Select(t => t.CaughtUpAt is { } at ? (long)Math.Max(0, (now - at).TotalMilliseconds) : long.MaxValue)
            .DefaultIfEmpty(0).Max();
        var cleanPass = run is { Status: RunStatus.Completed, TargetMissing: 0, Neq: 0, BaseMissing: 0 } ? run.EndedAt : null;
        if (target.Primary() == currentBase)
        {
            return new CutoverCheck(false, reasons.Count == 0, reasons, run, null) { IncrementalLagMs = lag, LastCleanFullPassAt = cleanPass };
        }

        // The run must have started once no write of an older pattern could land behind its cursor anywhere.
        var settledAt = live.Where(i => i.PatternVersion == current.Version).Select(i => i.AppliedAt).Append(current.ChangedAt).Max();
        if (run is null || run.BaseSide != currentBase || run.StartedAt < settledAt)
        {
            reasons.Add($"no full validation with base {currentBase.ToWire()} has started since every instance applied " +
                $"{current.Pattern.ToWire()} ({settledAt:O}); start one with POST /migrator/full/start");
        }
        else if (run.Status != RunStatus.Completed)
        {
            reasons.Add($"the full validation {run.RunId} since the switch is {run.Status.ToString().ToLowerInvariant()}, not completed");
        }
        else if (!run.Repair && run.TargetMissing + run.Neq + run.BaseMissing > 0)
        {
            // Its differences never reached the repair: an empty outbox proves nothing about them.
            reasons.Add($"the full validation {run.RunId} was report-only and found {run.TargetMissing + run.Neq + run.BaseMissing} difference(s) " +
                "it did not repair; repair them (POST /migrator/inconsistencies/repair) and run a full validation again");
        }

        if (lag > options.Value.MaxLagMs)
        {
            reasons.Add(lag == long.MaxValue
                ? "the running incremental validation has not caught up yet"
                : $"the running incremental validation was last caught up {lag} ms ago, more than Migration:Cutover:MaxLagMs ({options.Value.MaxLagMs})");
        }

        if (incremental is not null && journal is not null
            && await journal.ReadAsync(cancellationToken) is { Enabled: true, LagMs: { } journalLag } && journalLag > options.Value.MaxLagMs)
        {
            reasons.Add($"the running incremental validation has not verified a write-journal entry written {journalLag} ms ago, " +
                $"more than Migration:Cutover:MaxLagMs ({options.Value.MaxLagMs})");
        }

        // A table without a version column is compared only by the sweep: it needs a whole pass since the switch settled.
        foreach (var table in incremental?.Tables.Where(t => t.Sweep is { Only: true }) ?? [])
        {
            if (table.Sweep!.LastPassStartedAt is not { } passStarted || passStarted < settledAt)
            {
                reasons.Add($"table {table.Table} is compared only by the incremental run's sweep, which has not completed a pass started since " +
                    $"every instance applied {current.Pattern.ToWire()} ({settledAt:O})" +
                    (table.Sweep.EstimatedPassSeconds is { } seconds ? $"; a pass takes about {seconds:F0} s" : ""));
            }
        }

        var pending = await backlog.GetAsync(cancellationToken);
        var quiet = TimeSpan.FromSeconds(options.Value.QuietSeconds);
        if (quiet > TimeSpan.Zero && pending.LastEventAt is { } last && now - last < quiet)
        {
            reasons.Add($"a difference was found {(now - last).TotalSeconds:F0} s ago; the cut-over waits for {options.Value.QuietSeconds} s without one " +
                "(Migration:Cutover:QuietSeconds)");
        }

        if (pending.OutboxPending > 0)
        {
            reasons.Add($"{pending.OutboxPending} event(s) wait in the outbox to be repaired");
        }

        if (pending.ConsumerLag > 0)
        {
            reasons.Add($"the repair consumer group has {pending.ConsumerLag} event(s) left to repair");
        }

        var open = await conflicts.CountOpenAsync(cancellationToken);
        if (open > 0)
        {
            reasons.Add($"{open} conflict(s) are open (GET /migrator/conflicts)");
        }

        var dead = (await deadLetters.CountAsync(cancellationToken)).Open;
        if (dead > 0)
        {
            reasons.Add($"{dead} event(s) the repair gave up on are open dead letters (GET /migrator/dead-letters; replay with POST /migrator/dead-letters/retry)");
        }

        var unreported = live.Where(i => i.LastUnreportedAt is { } at && (run is null || at >= run.StartedAt)).Select(i => i.InstanceId).ToArray();
        if (unreported.Length > 0)
        {
            reasons.Add($"instance(s) {string.Join(", ", unreported)} had rows differ without an event since the last full validation started");
        }

        var atRisk = run is { } r && r.BaseSide == currentBase
            ? new CutoverRisk(r.RunId, r.TargetMissing, r.TargetMissing + r.Neq + r.BaseMissing, pending.Total, open, dead)
            : new CutoverRisk(null, null, null, pending.Total, open, dead);
        return new CutoverCheck(true, reasons.Count == 0, reasons, run, atRisk)
        {
            IncrementalLagMs = lag,
            LastCleanFullPassAt = cleanPass,
            LastDifferenceAt = pending.LastEventAt,
        };
    }
}

/// <summary>Whether a switch may change the base side now, and why not.</summary>
/// <param name="ChangesBase">False for a switch that keeps the base side: it needs no proof.</param>
/// <param name="LastFullRun">The latest full run's checkpoint, whatever its base.</param>
public sealed record CutoverCheck(
    bool ChangesBase, bool Ready, IReadOnlyList<string> Reasons, RunCheckpoint? LastFullRun, CutoverRisk? AtRisk)
{
    /// <summary>The running incremental validation: the longest time since a table was caught up, in ms; null when none runs.</summary>
    public long? IncrementalLagMs { get; init; }

    /// <summary>When the latest full run ended, if it completed without finding a difference.</summary>
    public DateTimeOffset? LastCleanFullPassAt { get; init; }

    /// <summary>When the newest difference was found (or a copy failed); null when none is kept.</summary>
    public DateTimeOffset? LastDifferenceAt { get; init; }
}

/// <summary>What a forced switch would put at risk, from the last full run with the current base and the backlog.</summary>
/// <param name="RunId">The full run the counts come from; null when there is none with the current base.</param>
/// <param name="RowsOnlyOnCurrentBase">Rows that run found only on the current base (<c>target_missing</c>): lost from the
/// truth if the other side becomes it before they are repaired.</param>
/// <param name="DifferencesFound">Every difference that run found.</param>
/// <param name="EventsNotRepaired">Events still waiting in the outbox or the repair consumer group.</param>
/// <param name="OpenConflicts">Rows the repair policy refused to touch.</param>
/// <param name="OpenDeadLetters">Events the repair gave up on and that were not replayed.</param>
public sealed record CutoverRisk(
    Guid? RunId, long? RowsOnlyOnCurrentBase, long? DifferencesFound, long EventsNotRepaired, long OpenConflicts, long OpenDeadLetters);
