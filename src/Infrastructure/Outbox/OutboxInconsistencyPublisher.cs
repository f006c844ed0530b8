using Microsoft.Extensions.Options;
using Migration.Application.Abstractions;
using Migration.Domain.Inconsistencies;
using Migration.Infrastructure.Events;
using Migration.Infrastructure.Options;
using Migration.Infrastructure.Repair;
using Migration.Infrastructure.Reports;
using Migration.Infrastructure.State;

namespace Migration.Infrastructure.Outbox;

/// <summary>
/// The publisher for both transports: writes the events to the outbox table, and their differences to the stored
/// differences (<c>migration_differences</c>), in one transaction and returns; the relay sends them on. Validation thus
/// never waits for Kafka, and an event it was told is published survives an outage of Kafka and a crash of the process.
/// A report-only run's events (<see cref="InconsistentEvent.ReportOnly"/>) are stored as differences only: nothing
/// hands them to the repair.
/// </summary>
internal sealed class OutboxInconsistencyPublisher(
    ControlDatabase control,
    OutboxSignal signal,
    RepairMonitor repairs,
    IOptions<MigrationOptions> options,
    TimeProvider time) : IInconsistencyPublisher
{
    // On the in-process path this process also repairs (unless its role is Api only), so its backlog counts what it published.
    private readonly bool _countsBacklog = !options.Value.Kafka.Enabled && options.Value.Roles.RunsRepair();

    public async ValueTask PublishAsync(IReadOnlyList<InconsistentEvent> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return;
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var toRepair = events.Where(e => !e.ReportOnly).ToList();
        await using (var context = control.CreateContext())
        {
            // One transaction: a difference is stored exactly when its event is. Multi-row inserts: validation that
            // finds thousands of differences a second must not wait on one insert (and one key read) per row.
            await using var transaction = await context.Database.BeginTransactionAsync(cancellationToken);
            await BulkInsert.InsertAsync(context, EfDifferenceStore.Records(events), cancellationToken);
            await BulkInsert.InsertAsync(context, toRepair.ConvertAll(e => new OutboxMessage
            {
                EventId = e.EventId,
                Key = e.MessageKey,
                Payload = InconsistentEventSerializer.Serialize(e),
                CreatedAtMs = now,
            }), cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        if (toRepair.Count == 0)
        {
            return;
        }

        if (_countsBacklog)
        {
            repairs.Published(toRepair.Count);
        }

        signal.Notify();
    }
}
