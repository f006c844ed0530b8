namespace Migration.Application.Abstractions;

/// <summary>Every event not yet repaired, across all instances: what a change of the base side must wait for.</summary>
public interface IRepairBacklog
{
    Task<RepairBacklog> GetAsync(CancellationToken cancellationToken);
}

/// <param name="OutboxPending">
/// Events in the outbox not yet confirmed by the transport. On the in-process path an event is confirmed once it was
/// repaired, so this is the whole backlog.
/// </param>
/// <param name="ConsumerLag">With Kafka: messages on the topic that the repair consumer group has not yet committed; null without Kafka.</param>
/// <param name="LastEventAt">When the newest stored difference was found (by validation, or a failed copy); null when none is kept.</param>
public sealed record RepairBacklog(long OutboxPending, long? ConsumerLag, DateTimeOffset? LastEventAt = null)
{
    public long Total => OutboxPending + (ConsumerLag ?? 0);
}
