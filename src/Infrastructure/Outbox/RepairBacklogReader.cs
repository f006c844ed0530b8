using Confluent.Kafka;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Migration.Application.Abstractions;
using Migration.Infrastructure.Kafka;
using Migration.Infrastructure.Options;
using Migration.Infrastructure.State;

namespace Migration.Infrastructure.Outbox;

/// <summary>
/// The outbox's pending events, and with Kafka the repair group's lag: for each partition of the topic, the high
/// watermark minus the group's committed offset, as the brokers know them (so every repair instance's work counts,
/// not only this one's).
/// </summary>
internal sealed class RepairBacklogReader(IOutboxMonitor outbox, ControlDatabase control, KafkaClients kafka, IOptions<MigrationOptions> options)
    : IRepairBacklog
{
    private static readonly TimeSpan _timeout = TimeSpan.FromSeconds(5);

    public async Task<RepairBacklog> GetAsync(CancellationToken cancellationToken)
    {
        var pending = (await outbox.GetAsync(cancellationToken)).Pending;
        long? newest;
        await using (var context = control.CreateContext())
        {
            // The newest difference stored, by its id (the primary key): a requeue or a dead letter's replay writes
            // outbox rows again, but finds nothing new, so it must not restart the quiet window.
            newest = await context.Set<DifferenceRecord>().OrderByDescending(d => d.Id).Select(d => (long?)d.DetectedAtMs)
                .FirstOrDefaultAsync(cancellationToken);
        }

        return new RepairBacklog(pending, options.Value.Kafka.Enabled ? await Task.Run(GroupLag, cancellationToken) : null,
            newest is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null);
    }

    private long GroupLag()
    {
        var topic = kafka.Options.Topic;
        using var admin = kafka.AdminClientBuilder().Build();
        var metadata = admin.GetMetadata(topic, _timeout).Topics.SingleOrDefault(t => t.Topic == topic);
        if (metadata is null || metadata.Error.IsError || metadata.Partitions.Count == 0)
        {
            return 0; // no topic yet: nothing was ever published to it
        }

        // A consumer that never subscribes does not join the group; it only reads the group's committed offsets.
        using var consumer = kafka.ConsumerBuilder().Build();
        var partitions = metadata.Partitions.Select(p => new TopicPartition(topic, p.PartitionId)).ToList();
        var committed = consumer.Committed(partitions, _timeout).ToDictionary(c => c.TopicPartition, c => c.Offset);
        var lag = 0L;
        foreach (var partition in partitions)
        {
            var watermarks = consumer.QueryWatermarkOffsets(partition, _timeout);
            var done = committed.GetValueOrDefault(partition, Offset.Unset) is { IsSpecial: false } offset ? offset.Value : watermarks.Low.Value;
            lag += Math.Max(0, watermarks.High.Value - done);
        }

        return lag;
    }
}
