using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Migration.Application.Abstractions;
using Migration.Domain.Patterns;
using Migration.Infrastructure.DoubleWrite;
using Migration.Infrastructure.Options;
using Migration.Infrastructure.State;
using Migration.Infrastructure.State.Configurations;

namespace Migration.Infrastructure.Patterns;

/// <summary>
/// The pattern in the control database, shared by every instance, and this instance's applied copy of it.
/// <see cref="GetAsync"/> serves the copy from memory; <see cref="PatternRefreshWorker"/> refreshes it and writes this
/// instance's heartbeat. The copy only ever moves to a newer version, and refreshes, switches and heartbeats of this
/// instance are serialised, so a stale read can never undo a switch applied here.
/// </summary>
internal sealed partial class ControlPatternStore(
    ControlDatabase control,
    IOptions<MigrationOptions> options,
    DoubleWriteMonitor monitor,
    InFlightWrites inFlight,
    WriteFence fence,
    TimeProvider time,
    ILogger<ControlPatternStore> logger) : IPatternStore, IInstanceRegistry
{
    /// <summary>Heartbeats older than this are deleted: their instance is long gone.</summary>
    private const long ForgetAfterMs = 3_600_000;

    /// <summary>How often the old heartbeats are looked for.</summary>
    private const long PruneEveryMs = 60_000;

    private readonly MigrationOptions _options = options.Value;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly long _startedAtMs = time.GetUtcNow().ToUnixTimeMilliseconds();
    private volatile StoredPattern? _applied;
    private volatile StoredPattern? _reported;
    private long _reportedAtMs;
    private long _lastPrunedMs;

    public string InstanceId { get; } = options.Value.InstanceId!;

    public async ValueTask<WritePattern> GetAsync(CancellationToken cancellationToken) =>
        (await GetAppliedAsync(cancellationToken)).Pattern;

    /// <summary>The pattern this instance applies, with its version: what the pool writes under.</summary>
    public async ValueTask<StoredPattern> GetAppliedAsync(CancellationToken cancellationToken) =>
        _applied ?? (await RefreshAsync(cancellationToken)).Applied;

    public async Task<StoredPattern> ReadAsync(CancellationToken cancellationToken)
    {
        await using var context = control.CreateContext();
        var row = await context.Set<PatternRecord>().AsNoTracking().SingleOrDefaultAsync(p => p.Id == PatternRecord.SingletonId, cancellationToken);
        if (row is not null)
        {
            return ToStored(row);
        }

        // Only an empty store takes the configured pattern; after that the store is the truth, across restarts.
        var initial = new PatternRecord
        {
            Pattern = PatternWireConverter.Parse(_options.Pattern),
            Version = 1,
            ChangedAtMs = time.GetUtcNow().ToUnixTimeMilliseconds(),
        };
        context.Add(initial);
        try
        {
            await context.SaveChangesAsync(cancellationToken);
            LogInitialised(initial.Pattern.ToWire());
            return ToStored(initial);
        }
        catch (DbUpdateException)
        {
            // Another instance stored the initial pattern first.
            context.ChangeTracker.Clear();
            return ToStored(await context.Set<PatternRecord>().AsNoTracking().SingleAsync(p => p.Id == PatternRecord.SingletonId, cancellationToken));
        }
    }

    public async Task<StoredPattern?> TrySetAsync(
        WritePattern pattern, long expectedVersion, bool forced, string? actor, CancellationToken cancellationToken)
    {
        StoredPattern stored;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await using (var context = control.CreateContext())
            {
                var row = await context.Set<PatternRecord>().SingleOrDefaultAsync(p => p.Id == PatternRecord.SingletonId, cancellationToken);
                if (row is null || row.Version != expectedVersion)
                {
                    return null;
                }

                row.Pattern = pattern;
                row.Version = expectedVersion + 1;
                row.ChangedAtMs = time.GetUtcNow().ToUnixTimeMilliseconds();
                row.ChangedBy = InstanceId;
                row.Forced = forced;
                row.ForcedBy = forced ? actor : null;
                try
                {
                    // UPDATE … WHERE version = expectedVersion: of two switches from the same version, only one applies.
                    await context.SaveChangesAsync(cancellationToken);
                }
                catch (DbUpdateConcurrencyException)
                {
                    return null;
                }

                stored = ToStored(row);
            }

            Apply(stored);
        }
        finally
        {
            _gate.Release();
        }

        // Stored and applied: the fences follow and the heartbeat says so, whatever happens to the caller. A failure
        // here is healed by the refresher, which aligns the fences and beats again within one interval.
        try
        {
            await fence.AlignAsync(stored.Pattern.Primary(), CancellationToken.None);
            await HeartbeatAsync(CancellationToken.None);
        }
        catch (Exception ex)
        {
            LogHeartbeatFailed(ex);
        }

        return stored;
    }

    /// <summary>Reads the stored pattern and applies it if it is newer than the applied copy.</summary>
    public async Task<PatternRefresh> RefreshAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var previous = _applied;
            var changed = Apply(await ReadAsync(cancellationToken));
            return new PatternRefresh(previous, _applied!, changed && previous is not null);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Writes this instance's heartbeat: the newest pattern it applies with no write of an older pattern still running
    /// here (it waits up to <see cref="DoubleWriteOptions.SecondaryTimeoutMs"/> for those to finish; until they have, the
    /// heartbeat keeps naming the older version), and since when.
    /// </summary>
    public async Task HeartbeatAsync(CancellationToken cancellationToken)
    {
        if (_applied is { } applied && _reported?.Version != applied.Version)
        {
            if (await inFlight.WaitForOlderAsync(applied.Version, TimeSpan.FromMilliseconds(_options.DoubleWrite.SecondaryTimeoutMs), time, cancellationToken))
            {
                _reportedAtMs = time.GetUtcNow().ToUnixTimeMilliseconds();
                _reported = applied;
            }
            else
            {
                LogStillDraining(applied.Version);
            }
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            await HeartbeatCoreAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Deletes this instance's heartbeat, so a graceful stop leaves the list of live instances at once.</summary>
    public async Task RemoveSelfAsync(CancellationToken cancellationToken)
    {
        await using var context = control.CreateContext();
        await context.Set<InstanceRecord>().Where(i => i.InstanceId == InstanceId).ExecuteDeleteAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<InstanceStatus>> LiveInstancesAsync(CancellationToken cancellationToken)
    {
        await using var context = control.CreateContext();
        var rows = await context.Set<InstanceRecord>().AsNoTracking().ToListAsync(cancellationToken);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        return rows
            .Where(r => now - r.LastSeenMs <= LiveWindowMs(r.RefreshMs))
            .OrderBy(r => r.StartedAtMs).ThenBy(r => r.InstanceId, StringComparer.Ordinal)
            .Select(r => new InstanceStatus(
                r.InstanceId,
                r.Host,
                r.Pattern,
                r.PatternVersion,
                DateTimeOffset.FromUnixTimeMilliseconds(r.StartedAtMs),
                DateTimeOffset.FromUnixTimeMilliseconds(r.LastSeenMs),
                r.SecondaryFailures,
                DateTimeOffset.FromUnixTimeMilliseconds(r.AppliedAtMs))
            {
                LastUnreportedAt = r.LastUnreportedAtMs is { } at ? DateTimeOffset.FromUnixTimeMilliseconds(at) : null,
            })
            .ToArray();
    }

    /// <summary>How long an instance counts as live after its last heartbeat: three of its own intervals, and a second for clock skew.</summary>
    internal static long LiveWindowMs(int refreshMs) => 3L * refreshMs + 1_000;

    /// <summary>Applies <paramref name="stored"/> if it is newer than the applied copy. Call only while holding the gate.</summary>
    private bool Apply(StoredPattern stored)
    {
        var current = _applied;
        if (current is not null && stored.Version <= current.Version)
        {
            return false;
        }

        _applied = stored;
        if (current is null)
        {
            LogApplying(InstanceId, stored.Pattern.ToWire(), stored.Version);
        }
        else
        {
            LogApplied(InstanceId, stored.Pattern.ToWire(), stored.Version, stored.ChangedBy, current.Pattern.ToWire());
        }

        return true;
    }

    /// <summary>Call only while holding the gate.</summary>
    private async Task HeartbeatCoreAsync(CancellationToken cancellationToken)
    {
        if (_reported is not { } applied)
        {
            return;
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var context = control.CreateContext();
        var row = await context.Set<InstanceRecord>().SingleOrDefaultAsync(i => i.InstanceId == InstanceId, cancellationToken);
        if (row is null)
        {
            row = new InstanceRecord { InstanceId = InstanceId, Host = Environment.MachineName, StartedAtMs = _startedAtMs };
            context.Add(row);
        }

        row.LastSeenMs = now;
        row.RefreshMs = _options.PatternRefreshMs;
        row.Pattern = applied.Pattern;
        row.PatternVersion = applied.Version;
        row.AppliedAtMs = _reportedAtMs;
        var counters = monitor.Snapshot();
        row.SecondaryFailures = counters.SecondaryFailures;
        row.LastUnreportedAtMs = counters.LastReportFailureAt?.ToUnixTimeMilliseconds();
        await context.SaveChangesAsync(cancellationToken);

        if (now - _lastPrunedMs >= PruneEveryMs)
        {
            _lastPrunedMs = now;
            var before = now - ForgetAfterMs;
            await context.Set<InstanceRecord>().Where(i => i.LastSeenMs < before).ExecuteDeleteAsync(cancellationToken);
        }
    }

    private static StoredPattern ToStored(PatternRecord row) => new(
        row.Pattern, row.Version, DateTimeOffset.FromUnixTimeMilliseconds(row.ChangedAtMs), row.ChangedBy, row.Forced, row.ForcedBy);

    [LoggerMessage(Level = LogLevel.Information, Message = "The control database had no pattern; stored {Pattern} from Migration:Pattern")]
    private partial void LogInitialised(string pattern);

    [LoggerMessage(Level = LogLevel.Information, Message = "Instance {InstanceId} applies pattern {Pattern} (version {Version})")]
    private partial void LogApplying(string instanceId, string pattern, long version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Instance {InstanceId} applies pattern {Pattern} (version {Version}, set by {ChangedBy}); it applied {Previous} before")]
    private partial void LogApplied(string instanceId, string pattern, long version, string? changedBy, string previous);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writes started under a pattern older than version {Version} are still running; the heartbeat names the older version until they end")]
    private partial void LogStillDraining(long version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Aligning the write fences or the heartbeat after a pattern switch failed; the refresher tries again")]
    private partial void LogHeartbeatFailed(Exception exception);
}

/// <summary>The result of a refresh: what was applied before and after it.</summary>
/// <param name="Changed">True when a newer stored version replaced an applied one (false on the first load).</param>
internal sealed record PatternRefresh(StoredPattern? Previous, StoredPattern Applied, bool Changed);
