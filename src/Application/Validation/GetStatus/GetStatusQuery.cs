using Mediator;
using Microsoft.Extensions.Logging;
using Migration.Application.Abstractions;
using Migration.Application.Patterns;
using Migration.Domain.Patterns;
using Migration.Domain.Runs;

namespace Migration.Application.Validation.GetStatus;

/// <summary>
/// Where the migration stands: the pattern, the latest run of each kind, the repair counters, the live instances and
/// the double-write counters.
/// </summary>
public sealed record GetStatusQuery : IRequest<MigrationStatusDto>;

/// <param name="Pattern">The double-write pattern this instance applies (<c>src_only</c>, <c>src_first</c>, <c>dst_first</c>, <c>dst_only</c>).</param>
/// <param name="Incremental">The latest incremental run, running or ended; null if none was started.</param>
/// <param name="Full">The latest full run, running or ended; null if none was started.</param>
/// <param name="Repair">What the repair consumer has done since the process started.</param>
/// <param name="Instances">
/// The live instances of the service and the pattern each last applied; null when the control database could not be
/// read (the rest of the status is still current).
/// </param>
/// <param name="DoubleWrite">What this instance's double-write pool has done since it started.</param>
public sealed record MigrationStatusDto(
    string Pattern,
    RunDto? Incremental,
    RunDto? Full,
    RepairCounters Repair,
    IReadOnlyList<InstanceDto>? Instances = null,
    DoubleWriteCounters? DoubleWrite = null)
{
    /// <summary>The event outbox: pending events and the age of the oldest, whatever the transport.</summary>
    public OutboxStatus? Outbox { get; init; }

    /// <summary>This instance's Kafka repair consumer (partitions, lag, dead letters); null when it runs none.</summary>
    public RepairConsumerStatus? Consumer { get; init; }

    /// <summary>The configured tables as resolved against both schemas, and the tables <c>*</c> left out with the reason; null when not resolved yet.</summary>
    public TablesDto? Tables { get; init; }

    /// <summary>Rows the repair policy refused to touch and that are still open (<c>GET /migrator/conflicts</c>); null when the control database could not be read.</summary>
    public long? OpenConflicts { get; init; }
    /// <summary>
    /// Events the repair gave up on, stored as dead letters by every instance: open (not replayed yet) and in all;
    /// null when they could not be counted.
    /// </summary>
    public DeadLetterCounts? DeadLetters { get; init; }

    /// <summary>Both sides' write journals: entries, age of the oldest, and of the oldest the running incremental run has not verified; null when they could not be read.</summary>
    public JournalStatus? Journal { get; init; }
}

internal sealed partial class GetStatusQueryHandler(
    IValidationScheduler scheduler,
    IPatternStore patterns,
    IRepairMonitor repairs,
    IOutboxMonitor outbox,
    IRepairConsumerMonitor consumer,
    IInstanceRegistry instances,
    IDoubleWriteMonitor doubleWrites,
    IConflictStore conflicts,
    ITableCatalog catalog,
    IDeadLetterStore deadLetters,
    TimeProvider time,
    ILogger<GetStatusQueryHandler> logger,
    IWriteJournalMonitor journal)
    : IRequestHandler<GetStatusQuery, MigrationStatusDto>
{
    public async ValueTask<MigrationStatusDto> Handle(GetStatusQuery request, CancellationToken cancellationToken)
    {
        var pattern = await patterns.GetAsync(cancellationToken);
        IReadOnlyList<InstanceDto>? live = null;
        long? openConflicts = null;
        try
        {
            live = (await instances.LiveInstancesAsync(cancellationToken)).Select(i => InstanceDto.From(i, instances.InstanceId)).ToArray();
            openConflicts = await conflicts.CountOpenAsync(cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // The status is what an operator looks at during an outage: the control database's must not hide the rest.
            LogInstancesUnavailable(ex);
        }

        var now = time.GetUtcNow();
        return new MigrationStatusDto(
            pattern.ToWire(),
            scheduler.Latest(RunKind.Incremental) is { } incr ? RunDto.From(incr, now) : null,
            scheduler.Latest(RunKind.Full) is { } full ? RunDto.From(full, now) : null,
            repairs.Snapshot(),
            live,
            doubleWrites.Snapshot())
        {
            Outbox = await OutboxAsync(cancellationToken),
            Consumer = consumer.Snapshot(),
            OpenConflicts = openConflicts,
            Tables = await TablesAsync(cancellationToken),
            DeadLetters = await CountDeadLettersAsync(cancellationToken),
            Journal = await ReadJournalAsync(cancellationToken),
        };
    }

    private async Task<OutboxStatus?> OutboxAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await outbox.GetAsync(cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // The outbox lives in the control database: its outage must not hide the rest of the status.
            LogOutboxUnavailable(ex);
            return null;
        }
    }

    private async Task<JournalStatus?> ReadJournalAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await journal.RecentAsync(cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogJournalUnavailable(ex);
            return journal.Snapshot();
        }
    }

    private async Task<DeadLetterCounts?> CountDeadLettersAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await deadLetters.CountAsync(cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogDeadLettersUnavailable(ex);
            return null;
        }
    }

    /// <summary>The resolved tables; a catalog that cannot be resolved (a table that cannot be compared) shows the problems instead.</summary>
    private async Task<TablesDto?> TablesAsync(CancellationToken cancellationToken)
    {
        try
        {
            var resolved = await catalog.GetAsync(cancellationToken);
            return new TablesDto(
                resolved.Tables.Select(t => new TableDto(t.Name, t.Key.Select(k => k.Name).ToArray(), t.Version?.Column.Name, t.Columns.Count, t.Where)).ToArray(),
                resolved.Skipped,
                []);
        }
        catch (Common.TableShapeException ex)
        {
            return new TablesDto([], [], ex.Problems.Select(p => p.ToString()).ToArray());
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogCatalogUnavailable(ex);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Status without tables: the schemas could not be read")]
    private partial void LogCatalogUnavailable(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Status without instances: the control database could not be read")]
    private partial void LogInstancesUnavailable(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Status without the outbox: it could not be read")]
    private partial void LogOutboxUnavailable(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Status with the last journal measurement: the journals could not be read")]
    private partial void LogJournalUnavailable(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Status without dead letters: they could not be counted")]
    private partial void LogDeadLettersUnavailable(Exception exception);
}

/// <summary>The migrated tables.</summary>
/// <param name="Configured">Each table validated and repaired.</param>
/// <param name="Skipped">Tables <c>"*"</c> left out, with the reason (no primary key, no counterpart on the target…).</param>
/// <param name="Problems">Why the configured tables cannot be compared, one line per table and column; empty when they can.</param>
public sealed record TablesDto(IReadOnlyList<TableDto> Configured, IReadOnlyList<SkippedTable> Skipped, IReadOnlyList<string> Problems);

/// <summary>One configured table.</summary>
/// <param name="Key">The key columns, in order.</param>
/// <param name="VersionColumn">The column incremental validation walks; null: full runs only.</param>
/// <param name="Columns">How many columns are compared besides the key.</param>
/// <param name="Where">The filter applied on both sides, or null.</param>
public sealed record TableDto(string Name, IReadOnlyList<string> Key, string? VersionColumn, int Columns, string? Where);
