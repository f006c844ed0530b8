namespace Migration.Infrastructure.Options;

/// <summary>
/// The Kafka event path (<c>Migration:Kafka</c>). Off unless <see cref="BootstrapServers"/> is set; then events go
/// through the outbox to <see cref="Topic"/> and the repair consumer reads them in the group <see cref="GroupId"/>.
/// </summary>
public sealed class KafkaOptions
{
    /// <summary>Comma-separated <c>host:port</c> list of brokers. Empty (default): the embedded in-process path.</summary>
    public string? BootstrapServers { get; set; }

    /// <summary>The topic of inconsistency events. Default <c>dbMove</c>.</summary>
    public string Topic { get; set; } = "dbMove";

    /// <summary>Where messages the repair cannot handle go, with the error in headers. Default <c>&lt;Topic&gt;.dlq</c>.</summary>
    public string? DeadLetterTopic { get; set; }

    /// <summary>The repair consumers' group: instances with the same id share the topic's partitions. Default <c>migration-repair</c>.</summary>
    public string GroupId { get; set; } = "migration-repair";

    /// <summary>The client id brokers see. Default <c>migration-&lt;machine name&gt;</c>.</summary>
    public string? ClientId { get; set; }

    /// <summary>
    /// How often the consumer commits the offsets of messages already repaired or dead-lettered. A crash repeats at
    /// most this much work (repair is idempotent). Default 1,000 ms.
    /// </summary>
    public int CommitIntervalMs { get; set; } = 1_000;

    /// <summary>librdkafka settings for every client (security, e.g. <c>security.protocol</c>, <c>sasl.mechanism</c>).</summary>
    public Dictionary<string, string> Properties { get; set; } = [];

    /// <summary>librdkafka settings for the producer only (e.g. <c>linger.ms</c>, <c>compression.type</c>).</summary>
    public Dictionary<string, string> Producer { get; set; } = [];

    /// <summary>librdkafka settings for the consumer only (e.g. <c>session.timeout.ms</c>).</summary>
    public Dictionary<string, string> Consumer { get; set; } = [];

    /// <summary>Whether the Kafka path is on.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(BootstrapServers);

    public string DeadLetterTopicName => string.IsNullOrWhiteSpace(DeadLetterTopic) ? Topic + ".dlq" : DeadLetterTopic;
}

/// <summary>The relay that moves events from the outbox table to the transport (<c>Migration:Outbox</c>).</summary>
public sealed class OutboxOptions
{
    /// <summary>Events read and sent per round. Default 500.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>
    /// How often the relay looks for events written by other instances; events published by this process wake it at
    /// once. Default 500 ms.
    /// </summary>
    public int PollIntervalMs { get; set; } = 500;

    /// <summary>Median first wait after a failed round (pipeline <c>outbox-relay</c>); later waits grow exponentially, with jitter. Default 200 ms.</summary>
    public int RetryBackoffMs { get; set; } = 200;

    /// <summary>Longest wait between failed rounds. Default 30,000 ms.</summary>
    public int MaxRetryBackoffMs { get; set; } = 30_000;

    /// <summary>Sent events stay in the table this long for inspection, then are deleted. Default 60 minutes; 0 deletes at once.</summary>
    public int KeepSentMinutes { get; set; } = 60;
}

/// <summary>What one instance of the service does (<c>Migration:Roles</c>).</summary>
public enum ServiceRoles
{
    /// <summary>
    /// The control API and the outbox relay; no repair consumer. Without Kafka it neither relays nor repairs: the events
    /// of its repairing runs wait in the outbox (shared through the control database) for an instance with the
    /// <see cref="Both"/> role to relay and repair them; report-only runs need neither.
    /// </summary>
    Api,

    /// <summary>The repair consumer only (the API still answers status and health). Needs Kafka.</summary>
    Repair,

    /// <summary>Both (default).</summary>
    Both,
}

public static class ServiceRolesExtensions
{
    /// <summary>Whether this instance relays the outbox to the transport.</summary>
    public static bool RunsRelay(this ServiceRoles roles) => roles != ServiceRoles.Repair;

    /// <summary>Whether this instance runs the repair consumer.</summary>
    public static bool RunsRepair(this ServiceRoles roles) => roles != ServiceRoles.Api;

    /// <summary>
    /// Whether this instance relays the outbox: its role says so, and there is somewhere to relay to. The in-process
    /// bus ends at this process's own repair worker, so an <see cref="ServiceRoles.Api"/> instance without Kafka leaves
    /// the events in the outbox.
    /// </summary>
    public static bool RelaysOutbox(this MigrationOptions options) =>
        options.Roles.RunsRelay() && (options.Kafka.Enabled || options.Roles.RunsRepair());
}
