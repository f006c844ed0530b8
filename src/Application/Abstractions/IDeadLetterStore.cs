namespace Migration.Application.Abstractions;

/// <summary>
/// Events the repair gave up on (malformed, or their last attempt failed), kept in the control database whatever the
/// transport: an event is done only when it was repaired or stored here. Replaying one writes it back into the outbox.
/// </summary>
public interface IDeadLetterStore
{
    /// <summary>Dead letters with an id below <paramref name="before"/> (all when null), newest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<DeadLetter>> ListAsync(int limit, long? before, CancellationToken cancellationToken);

    /// <summary>How many dead letters are open (not replayed yet) and how many there are in all.</summary>
    Task<DeadLetterCounts> CountAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Writes the open dead letters among <paramref name="ids"/> (every open one when null) back into the outbox as
    /// new events with the same payload, and marks them retried, in one transaction per batch.
    /// </summary>
    /// <returns>The ids replayed, and those of <paramref name="ids"/> that are unknown or were replayed before.</returns>
    Task<DeadLetterReplay> ReplayAsync(IReadOnlyList<long>? ids, CancellationToken cancellationToken);
}

/// <summary>One event the repair gave up on.</summary>
/// <param name="Id">Ascending in the order they were stored.</param>
/// <param name="EventId">The event's id; null for a message that was not a readable event.</param>
/// <param name="Key">The message key, <c>"&lt;table&gt;:&lt;id&gt;"</c> for an event.</param>
/// <param name="Payload">The message as it was sent (the event's JSON), as UTF-8 text.</param>
/// <param name="Error">Why the repair gave up: the last attempt's error, or what is wrong with the message.</param>
/// <param name="Attempts">Repair attempts made (0 for a malformed message).</param>
/// <param name="FailedAt">When the repair gave up.</param>
/// <param name="Source"><c>in-process</c>, or the Kafka topic, partition and offset the message was consumed from.</param>
/// <param name="RetriedAt">When it was replayed into the outbox; null while open.</param>
public sealed record DeadLetter(
    long Id, Guid? EventId, string Key, string Payload, string Error, int Attempts, DateTimeOffset FailedAt, string Source, DateTimeOffset? RetriedAt);

/// <param name="Open">Dead letters not replayed yet.</param>
/// <param name="Total">Dead letters stored, replayed or not.</param>
public sealed record DeadLetterCounts(long Open, long Total);

/// <param name="Replayed">The dead letters written back into the outbox, by id.</param>
/// <param name="NotOpen">Ids asked for that are unknown or were replayed before; nothing was done with them.</param>
public sealed record DeadLetterReplay(IReadOnlyList<long> Replayed, IReadOnlyList<long> NotOpen);
