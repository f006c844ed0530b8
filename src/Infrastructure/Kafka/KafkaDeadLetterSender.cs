using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Migration.Infrastructure.Resilience;
using Migration.Infrastructure.State;
using Polly;
using Polly.Registry;

namespace Migration.Infrastructure.Kafka;

/// <summary>
/// Stores a message the repair set aside: on the dead-letter topic, key, value and headers unchanged (so it can be
/// replayed as is) plus headers that say why and where from; then in the control database's dead letters, which list
/// both transports' and replay through the outbox. Both through the <c>kafka-dead-letter</c> pipeline, which retries
/// until they succeed, since the consumer may commit past the message only after that.
/// </summary>
internal sealed partial class KafkaDeadLetterSender(
    KafkaClients clients,
    EfDeadLetterStore store,
    RepairConsumerMonitor monitor,
    ResiliencePipelineProvider<string> pipelines,
    TimeProvider time,
    ILogger<KafkaDeadLetterSender> logger)
{
    public const string ErrorHeader = "dlq.error";
    public const string AttemptsHeader = "dlq.attempts";
    public const string SourceHeader = "dlq.source";
    public const string GroupHeader = "dlq.group";
    public const string FailedAtHeader = "dlq.failed.at";

    private readonly ResiliencePipeline _retry = pipelines.GetPipeline(RetryPipelines.KafkaDeadLetter);

    public async Task SendAsync(ConsumeResult<byte[], byte[]> source, string error, int attempts, Guid? eventId, CancellationToken cancellationToken)
    {
        var failedAt = time.GetUtcNow();
        var origin = source.TopicPartitionOffset.ToString();
        var headers = new Headers();
        foreach (var header in source.Message.Headers ?? [])
        {
            headers.Add(header.Key, header.GetValueBytes());
        }

        headers.Add(ErrorHeader, Encoding.UTF8.GetBytes(error));
        headers.Add(AttemptsHeader, Encoding.UTF8.GetBytes(attempts.ToString(CultureInfo.InvariantCulture)));
        headers.Add(SourceHeader, Encoding.UTF8.GetBytes(origin));
        headers.Add(GroupHeader, Encoding.UTF8.GetBytes(clients.Options.GroupId));
        headers.Add(FailedAtHeader, Encoding.UTF8.GetBytes(failedAt.ToString("O", CultureInfo.InvariantCulture)));
        var message = new Message<byte[], byte[]> { Key = source.Message.Key, Value = source.Message.Value, Headers = headers };
        var topic = clients.Options.DeadLetterTopicName;

        await _retry.ExecuteAsync(
            async ct => await clients.Producer.ProduceAsync(topic, message, ct),
            (ex, _, delay) =>
            {
                monitor.Error($"dead-letter send failed: {(ex as KafkaException)?.Error.Reason ?? ex.Message}");
                LogSendFailed(ex, origin, topic, (long)delay.TotalMilliseconds);
            },
            cancellationToken);
        monitor.DeadLettered();
        LogDeadLettered(origin, topic, error);

        var key = source.Message.Key is { } bytes ? Encoding.UTF8.GetString(bytes) : "";
        await _retry.ExecuteAsync(
            ct => new ValueTask(store.AddAsync(
                new DeadLetterRecord
                {
                    EventId = eventId,
                    Key = DeadLetterRecord.Cut(key, DeadLetterRecord.KeyLength),
                    Payload = source.Message.Value ?? [],
                    Error = DeadLetterRecord.Cut(error, DeadLetterRecord.TextLength),
                    Attempts = attempts,
                    FailedAtMs = failedAt.ToUnixTimeMilliseconds(),
                    Source = DeadLetterRecord.Cut(origin, DeadLetterRecord.TextLength),
                },
                ct)),
            (ex, _, delay) =>
            {
                monitor.Error($"storing a dead letter failed: {ex.Message}");
                LogStoreFailed(ex, origin, (long)delay.TotalMilliseconds);
            },
            cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sent {Source} to the dead-letter topic {Topic}: {Error}")]
    private partial void LogDeadLettered(string source, string topic, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not send {Source} to the dead-letter topic {Topic}; retrying in {DelayMs} ms before committing past it")]
    private partial void LogSendFailed(Exception exception, string source, string topic, long delayMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not store {Source} as a dead letter in the control database; retrying in {DelayMs} ms before committing past it")]
    private partial void LogStoreFailed(Exception exception, string source, long delayMs);
}
