namespace Migration.Infrastructure.State;

/// <summary>
/// One inconsistency event waiting for, or confirmed by, the transport. Written by the publisher in the same call
/// that reports the event, so nothing found is lost if Kafka or the process is down; the relay sets
/// <see cref="SentAtMs"/> only after the transport confirmed delivery.
/// </summary>
internal sealed class OutboxMessage
{
    /// <summary>Ascending in insertion order: the relay sends in this order.</summary>
    public long Id { get; set; }

    public Guid EventId { get; set; }

    /// <summary>The message key, <c>"&lt;table&gt;:&lt;id&gt;"</c>.</summary>
    public string Key { get; set; } = "";

    /// <summary>The message value: the event in its wire format (JSON, UTF-8).</summary>
    public byte[] Payload { get; set; } = [];

    /// <summary>When the event was written here, in ms since the epoch (an integer sorts and compares on every provider).</summary>
    public long CreatedAtMs { get; set; }

    /// <summary>When the transport confirmed delivery; null while pending.</summary>
    public long? SentAtMs { get; set; }

    /// <summary>Relay rounds that tried to send this event and failed.</summary>
    public int Attempts { get; set; }

    public string? LastError { get; set; }
}
