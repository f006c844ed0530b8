namespace Migration.Application.Abstractions;

/// <summary>The Kafka repair consumer of this process, when it runs one.</summary>
/// <param name="GroupId">The consumer group the instances share the partitions in.</param>
/// <param name="Topic">The topic it reads.</param>
/// <param name="AssignedPartitions">The partitions this instance owns right now.</param>
/// <param name="Lag">
/// Messages on the assigned partitions not yet handled by this instance (high watermark minus the next offset to
/// handle); null until the first fetch has told the high watermarks.
/// </param>
/// <param name="Handled">Messages handled (repaired or dead-lettered) since this process started.</param>
/// <param name="DeadLettered">Messages sent to the dead-letter topic since this process started.</param>
/// <param name="Errors">Consumer, commit and dead-letter errors since this process started (each retried).</param>
/// <param name="LastError">The latest of those errors, or null.</param>
public sealed record RepairConsumerStatus(
    string GroupId,
    string Topic,
    IReadOnlyList<int> AssignedPartitions,
    long? Lag,
    long Handled,
    long DeadLettered,
    long Errors,
    string? LastError);

public interface IRepairConsumerMonitor
{
    /// <summary>The consumer's state, or null when this process runs no Kafka repair consumer.</summary>
    RepairConsumerStatus? Snapshot();
}
