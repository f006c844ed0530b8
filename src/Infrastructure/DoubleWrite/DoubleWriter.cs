using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Migration.Application.Abstractions;
using Migration.Application.Common;
using Migration.Domain;
using Migration.Domain.Inconsistencies;
using Migration.Domain.Patterns;
using Migration.Domain.Repair;
using Migration.Infrastructure.Data;
using Migration.Infrastructure.Options;
using Migration.Infrastructure.Patterns;
using Migration.Infrastructure.Resilience;
using Polly;
using Polly.Registry;

namespace Migration.Infrastructure.DoubleWrite;

/// <summary>
/// The pool's write path, for rows of any entity type the sides' model maps. Under the pattern applied now: commits the
/// writes in one transaction on the primary side; if that fails, throws and writes nothing elsewhere. Then copies the
/// rows as the primary stored them (keys included) to the secondary side in one transaction (once more if an insert met
/// a row already there: kept if it is this row, never overwritten if it is another). If the copy fails, every row is reported at once as an inconsistency with the
/// primary as its base (so the repair copies it), the failure is logged with the row keys and counted, and the
/// caller's write succeeds — or fails, with <see cref="DoubleWriteOptions.StrictSecondary"/>.
/// </summary>
internal sealed partial class DoubleWriter(
    SideDatabases databases,
    ControlPatternStore patterns,
    WriteFence fence,
    InFlightWrites inFlight,
    IInconsistencyPublisher publisher,
    IConflictStore conflicts,
    DoubleWriteMonitor monitor,
    IOptions<MigrationOptions> options,
    TimeProvider time,
    ILogger<DoubleWriter> logger,
    ResiliencePipelineProvider<string> pipelines)
{
    private readonly DoubleWriteOptions _options = options.Value.DoubleWrite;
    private readonly bool _journal = options.Value.Journal.Enabled;
    private readonly ResiliencePipeline _reportRetry = pipelines.GetPipeline(RetryPipelines.DoubleWriteReport);
    private readonly ResiliencePipeline _fenceWait = pipelines.GetPipeline(RetryPipelines.FenceWait);

    public async Task<WriteResult> CommitAsync(IReadOnlyList<PendingWrite> writes, CancellationToken cancellationToken)
    {
        if (writes.Count == 0)
        {
            var pattern = await patterns.GetAsync(cancellationToken);
            return new WriteResult(pattern.Primary(), pattern.Secondary(), false, 0);
        }

        // A write that met a moved fence starts again from the beginning under the pattern read anew.
        var attempt = 0;
        try
        {
            return await _fenceWait.ExecuteAsync(
                async token =>
                {
                    if (attempt++ > 0)
                    {
                        await RefreshPatternAsync(token);
                    }

                    return await CommitUnderAppliedPatternAsync(writes, token);
                },
                (ex, _, _) => LogFenceMoved(string.Join(", ", writes.Select(w => w.Key)), ex.Message),
                cancellationToken);
        }
        catch (FenceMovedException ex)
        {
            monitor.PrimaryFailed();
            var keys = writes.Select(w => w.Key).ToArray();
            LogFenceWaitExpired(ex, string.Join(", ", keys));
            throw new WriteFailedException(
                "A pattern switch is moving the primary side and did not finish in time; nothing was written. Try again.", ex.Side, false, keys, ex);
        }
    }

    private async Task RefreshPatternAsync(CancellationToken cancellationToken)
    {
        try
        {
            await patterns.RefreshAsync(cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // The attempt meets the fence again and comes back here.
            LogFenceRefreshFailed(ex);
        }
    }

    /// <summary>One attempt under the pattern this instance applies now, counted as running under its version until the copy ends.</summary>
    private async Task<WriteResult> CommitUnderAppliedPatternAsync(IReadOnlyList<PendingWrite> writes, CancellationToken cancellationToken)
    {
        var applied = await patterns.GetAppliedAsync(cancellationToken);
        using var running = inFlight.Enter(applied.Version);
        var primary = applied.Pattern.Primary();
        var secondary = applied.Pattern.Secondary();
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        try
        {
            await WriteAsync(databases[primary], writes, (w, c, s, ct) => w.StageOnPrimaryAsync(c, s, now, ct), fence, cancellationToken, _journal ? time : null);
        }
        catch (DbUpdateException ex) when (writes.Any(w => w.HasAssignedKey) && databases[primary].Dialect.IsDuplicateKey(ex))
        {
            // A key the application assigns is taken already (another request created the row first): nothing was
            // written, and the caller decides, as for an update that lost a race.
            var inserted = writes.Where(w => w.HasAssignedKey).Select(w => w.Key).ToArray();
            throw new ConflictException(
                $"{primary.ToWire()}, the primary side, already holds a row under the key of {string.Join(", ", inserted)}; nothing was written.",
                new Dictionary<string, object?> { ["rows"] = inserted });
        }
        catch (Exception ex) when (ex is not (NotFoundException or ConflictException or OperationCanceledException or FenceMovedException))
        {
            monitor.PrimaryFailed();
            var keys = writes.Select(w => w.Key).ToArray();
            LogPrimaryFailed(ex, primary.ToWire(), string.Join(", ", keys));
            throw new WriteFailedException(
                $"The write failed on {primary.ToWire()}, the primary side; nothing was written. {Reason(ex)}", primary, false, keys, ex);
        }

        monitor.Committed(writes.Count);
        var utime = writes[^1].Utime;
        if (secondary is not { } copy)
        {
            return new WriteResult(primary, null, false, utime);
        }

        // The primary has committed: from here on the caller's cancellation no longer counts, or a client that hangs
        // up would leave the row on one side only, unreported.
        using var copyBudget = new CancellationTokenSource(TimeSpan.FromMilliseconds(_options.SecondaryTimeoutMs), time);
        try
        {
            try
            {
                await WriteAsync(databases[copy], writes, (w, c, s, ct) => w.StageOnSecondaryAsync(c, s, monitor, false, ct), null, copyBudget.Token);
            }
            catch (DbUpdateException ex) when (writes.Any(w => w.IsInsert))
            {
                // Most likely an inserted row is on the secondary already: validation may have found it missing while this
                // copy waited for a lock, and the repair put it there first. Once more, looking each inserted row up; a row
                // there that is not this one (an older version under the same key) is never overwritten, but stored as a
                // conflict below. Any other cause fails again and is handled further down.
                LogCopyRetried(copy.ToWire(), string.Join(", ", writes.Select(w => w.Key)), Reason(ex));
                await WriteAsync(databases[copy], writes, (w, c, s, ct) => w.StageOnSecondaryAsync(c, s, monitor, true, ct), null, copyBudget.Token);
            }

            await RecordForeignRowsAsync(writes, primary, copy);
            return new WriteResult(primary, copy, false, utime);
        }
        catch (Exception ex)
        {
            var keys = writes.Select(w => w.Key).ToArray();
            monitor.SecondaryFailed($"{copy.ToWire()}: {Reason(ex)} (rows {string.Join(", ", keys)})", time.GetUtcNow());
            LogSecondaryFailed(ex, copy.ToWire(), primary.ToWire(), string.Join(", ", keys), _options.StrictSecondary);
            var reported = await ReportAsync(writes, primary, keys);
            if (_options.StrictSecondary)
            {
                throw new WriteFailedException(
                    $"The write is committed on {primary.ToWire()} (the primary side), but its copy to {copy.ToWire()} failed: {Reason(ex)} " +
                    (reported ? "The rows were reported, so the repair copies them." : "Reporting the rows failed too; validation will find them."),
                    copy, true, keys, ex);
            }

            return new WriteResult(primary, copy, true, utime);
        }
    }

    /// <summary>An inserted row whose key the secondary already used for another row: stored as a conflict, never overwritten.</summary>
    private async Task RecordForeignRowsAsync(IReadOnlyList<PendingWrite> writes, Direction primary, Direction secondary)
    {
        foreach (var write in writes.Where(w => w.ForeignRowOnSecondary))
        {
            monitor.ForeignRow();
            LogForeignRow(write.Key, secondary.ToWire(), write.ForeignVersionOnSecondary, write.Version);
            try
            {
                await conflicts.RecordAsync(new Conflict(
                    0, write.Table, write.RowKey.ToText(), primary, write.Version, write.ForeignVersionOnSecondary,
                    $"{secondary.ToWire()} holds another row under the key {primary.ToWire()} assigned (" +
                    (write.Version is null ? "its values differ, and the table has no version to tell it from a copy of this row" : "its version is older than the insert") +
                    "); it was not overwritten",
                    Guid.NewGuid(), time.GetUtcNow()), CancellationToken.None);
            }
            catch (Exception ex)
            {
                LogConflictNotStored(ex, write.Key);
            }
        }
    }

    /// <param name="fence">Given on the primary: checked first in the transaction, and the rows as written are captured for the copy.</param>
    /// <param name="journal">Given on the primary when the journal is on: the clock of the rows' journal entries, written in the same transaction.</param>
    private static async Task WriteAsync(
        SideDatabase side,
        IReadOnlyList<PendingWrite> writes,
        Func<PendingWrite, SideDbContext, SideDatabase, CancellationToken, Task> stage,
        WriteFence? fence,
        CancellationToken cancellationToken,
        TimeProvider? journal = null)
    {
        await using var context = side.CreateContext();
        await using var transaction = await context.Database.BeginTransactionAsync(cancellationToken);
        if (fence is not null)
        {
            await fence.CheckAsync(context, side, cancellationToken);
        }

        foreach (var write in writes)
        {
            await stage(write, context, side, cancellationToken);
        }

        await context.SaveChangesAsync(cancellationToken);
        if (fence is not null)
        {
            foreach (var write in writes)
            {
                write.Capture(context);
            }
        }

        if (journal is not null)
        {
            // Timed now, not when the write began: readers wait a late-commit window after an entry's time for the
            // entries numbered before it to commit (Validation.JournalStrategy).
            await Journal.WriteJournal.AppendAsync(context, writes, journal.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>The database's own words: EF Core wraps them in "An error occurred while saving the entity changes".</summary>
    private static string Reason(Exception exception) => exception.GetBaseException().Message;

    /// <summary>Publishes one event per row, retrying briefly; true once the publisher accepted them.</summary>
    private async Task<bool> ReportAsync(IReadOnlyList<PendingWrite> writes, Direction primary, string[] keys)
    {
        var detectedAt = time.GetUtcNow();
        var events = writes.Select(w => new InconsistentEvent(Guid.NewGuid(), w.Table, w.RowKey, primary, w.ReportedAs, detectedAt, [])).ToArray();
        using var budget = new CancellationTokenSource(TimeSpan.FromMilliseconds(_options.SecondaryTimeoutMs), time);
        try
        {
            await _reportRetry.ExecuteAsync(
                ct => publisher.PublishAsync(events, ct),
                (ex, _, delay) => LogReportRetrying(ex, string.Join(", ", keys), (int)delay.TotalMilliseconds),
                budget.Token);
            monitor.Reported(events.Length);
            return true;
        }
        catch (Exception ex)
        {
            monitor.ReportFailed(events.Length, time.GetUtcNow());
            LogReportFailed(ex, string.Join(", ", keys));
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Double write failed on the primary {Primary}; nothing was written. Rows: {Rows}")]
    private partial void LogPrimaryFailed(Exception exception, string primary, string rows);

    [LoggerMessage(Level = LogLevel.Error, Message = "Double write: the copy to {Secondary} failed after {Primary} committed; reporting the rows for repair. Rows: {Rows}. Strict: {Strict}")]
    private partial void LogSecondaryFailed(Exception exception, string secondary, string primary, string rows, bool strict);

    [LoggerMessage(Level = LogLevel.Information, Message = "Double write: the copy to {Secondary} of rows {Rows} failed ({Reason}); trying once more, looking up rows already there")]
    private partial void LogCopyRetried(string secondary, string rows, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reporting rows {Rows} after a failed copy failed; retrying in {DelayMs} ms")]
    private partial void LogReportRetrying(Exception exception, string rows, int delayMs);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Rows {Rows} differ between the sides and could not be reported; validation will find them")]
    private partial void LogReportFailed(Exception exception, string rows);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the pattern again after meeting a moved write fence failed")]
    private partial void LogFenceRefreshFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Write of {Rows} met a moved write fence ({Reason}); starting again under the pattern read anew")]
    private partial void LogFenceMoved(string rows, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "A pattern switch kept the write fences moving longer than the fence wait; nothing was written. Rows: {Rows}")]
    private partial void LogFenceWaitExpired(Exception exception, string rows);

    [LoggerMessage(Level = LogLevel.Error, Message = "Insert of {Row}: {Secondary} already holds another row under that key (version {Found}, the insert's {Written}); it was not overwritten and is stored as a conflict")]
    private partial void LogForeignRow(string row, string secondary, long? found, long? written);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Could not store the conflict of {Row}; validation will find it")]
    private partial void LogConflictNotStored(Exception exception, string row);
}
