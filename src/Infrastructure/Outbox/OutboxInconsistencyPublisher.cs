using Microsoft.Extensions.Options;
using Migration.Application.Abstractions;
using Migration.Domain.Inconsistencies;
using Migration.Infrastructure.Events;
using Migration.Infrastructure.Options;
using Migration.Infrastructure.Repair;
using Migration.Infrastructure.State;

namespace Migration.Infrastructure.Outbox;

/// <summary>
/// The publisher for both transports: writes the events to the outbox table in one transaction and returns; the
/// relay sends them on. Validation thus never waits for Kafka, and an event it was told is published survives an
/// outage of Kafka and a crash of the process.
/// </summary>
internal sealed class OutboxInconsistencyPublisher(
    ControlDatabase control,
    OutboxSignal signal,
    RepairMonitor repairs,
    IOptions<MigrationOptions> options,
    TimeProvider time) : IInconsistencyPublisher
{
    // On the in-process path this process also repairs, so its backlog counts what it published.
    private readonly bool _countsBacklog = !options.Value.Kafka.Enabled;

    public async ValueTask PublishAsync(IReadOnlyList<InconsistentEvent> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return;
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await using (var context = control.CreateContext())
        {
            context.Set<OutboxMessage>().AddRange(events.Select(e => new OutboxMessage
            {
                EventId = e.EventId,
                Key = e.MessageKey,
                Payload = InconsistentEventSerializer.Serialize(e),
                CreatedAtMs = now,
            }));
            await context.SaveChangesAsync(cancellationToken);
        }

        if (_countsBacklog)
        {
            repairs.Published(events.Count);
        }

        signal.Notify();
    }
}
