using Microsoft.Extensions.Options;

namespace Migration.Infrastructure.Options;

/// <summary>Checks the event path's settings (<c>Migration:Kafka</c>, <c>Migration:Outbox</c>, <c>Migration:Roles</c>).</summary>
internal sealed partial class KafkaOptionsValidator : IValidateOptions<MigrationOptions>
{
    public ValidateOptionsResult Validate(string? name, MigrationOptions options)
    {
        var failures = new List<string>();
        var kafka = options.Kafka;
        if (!Enum.IsDefined(options.Roles))
        {
            failures.Add("Migration:Roles must be Api, Repair or Both.");
        }
        else if (options.Roles == ServiceRoles.Repair && !kafka.Enabled)
        {
            // Api without Kafka is allowed: it repairs nothing itself (ServiceRoles.Api).
            failures.Add($"Migration:Roles is {options.Roles}, which needs Kafka: set Migration:Kafka:BootstrapServers (the in-process path runs both roles in one process).");
        }

        if (kafka.Enabled)
        {
            CheckTopic(failures, "Migration:Kafka:Topic", kafka.Topic);
            CheckTopic(failures, "Migration:Kafka:DeadLetterTopic", kafka.DeadLetterTopicName);
            if (string.Equals(kafka.Topic, kafka.DeadLetterTopicName, StringComparison.Ordinal))
            {
                failures.Add("Migration:Kafka:DeadLetterTopic must differ from Migration:Kafka:Topic.");
            }

            if (string.IsNullOrWhiteSpace(kafka.GroupId))
            {
                failures.Add("Migration:Kafka:GroupId must not be empty.");
            }

            Range(failures, "Kafka:CommitIntervalMs", kafka.CommitIntervalMs, 10, 600_000);
        }

        var outbox = options.Outbox;
        Range(failures, "Outbox:BatchSize", outbox.BatchSize, 1, 10_000);
        Range(failures, "Outbox:PollIntervalMs", outbox.PollIntervalMs, 10, 600_000);
        Range(failures, "Outbox:RetryBackoffMs", outbox.RetryBackoffMs, 1, 60_000);
        Range(failures, "Outbox:MaxRetryBackoffMs", outbox.MaxRetryBackoffMs, outbox.RetryBackoffMs, 3_600_000);
        Range(failures, "Outbox:KeepSentMinutes", outbox.KeepSentMinutes, 0, 525_600);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckTopic(List<string> failures, string key, string? topic)
    {
        // Kafka's own rule for topic names.
        if (topic is null || !TopicName().IsMatch(topic) || topic is "." or "..")
        {
            failures.Add($"{key} '{topic}' is not a valid Kafka topic name (1-249 of letters, digits, '.', '_', '-').");
        }
    }

    private static void Range(List<string> failures, string key, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            failures.Add($"Migration:{key} is {value}; it must be between {min} and {max}.");
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9._-]{1,249}$")]
    private static partial System.Text.RegularExpressions.Regex TopicName();
}
