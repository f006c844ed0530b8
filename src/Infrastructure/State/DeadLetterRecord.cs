namespace Migration.Infrastructure.State;

/// <summary>
/// An event the repair gave up on, kept until an operator replays it. Stored before the event counts as done: on the
/// in-process path before the relay marks its outbox row sent, with Kafka before the consumer's offset moves past it.
/// </summary>
internal sealed class DeadLetterRecord
{
    /// <summary>The maximum length of <see cref="Key"/>; a longer Kafka key is cut.</summary>
    public const int KeyLength = 200;

    /// <summary>The maximum length of <see cref="Error"/> and <see cref="Source"/>.</summary>
    public const int TextLength = 2000;

    /// <summary>Ascending in the order they were stored.</summary>
    public long Id { get; set; }

    /// <summary>The event's id; null for a message that was not a readable event.</summary>
    public Guid? EventId { get; set; }

    /// <summary>The message key, <c>"&lt;table&gt;:&lt;id&gt;"</c> for an event.</summary>
    public string Key { get; set; } = "";

    /// <summary>The message value as it arrived: replaying sends it again unchanged.</summary>
    public byte[] Payload { get; set; } = [];

    public string Error { get; set; } = "";

    /// <summary>Repair attempts made (0 for a malformed message).</summary>
    public int Attempts { get; set; }

    /// <summary>When the repair gave up, in ms since the epoch.</summary>
    public long FailedAtMs { get; set; }

    /// <summary><c>in-process</c>, or the Kafka topic, partition and offset the message came from.</summary>
    public string Source { get; set; } = "";

    /// <summary>When it was replayed into the outbox; null while open. A concurrency token, so one dead letter is replayed once.</summary>
    public long? RetriedAtMs { get; set; }

    public static string Cut(string text, int length) => text.Length <= length ? text : text[..length];
}
