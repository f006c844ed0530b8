using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Migration.Infrastructure.Kafka;

/// <summary>
/// Sends a message the repair set aside to the dead-letter topic: key, value and headers unchanged (so it can be
/// replayed as is), plus headers that say why and where from. Retries until the broker confirms, since the
/// consumer may commit past the message only after that.
/// </summary>
internal sealed partial class KafkaDeadLetterSender(
    KafkaClients clients,
    RepairConsumerMonitor monitor,
    TimeProvider time,
    ILogger<KafkaDeadLetterSender> logger)
{
    public const string ErrorHeader = "dlq.error";
    public const string AttemptsHeader = "dlq.attempts";
    public const string SourceHeader = "dlq.source";
    public const string GroupHeader = "dlq.group";
    public const string FailedAtHeader = "dlq.failed.at";

    public async Task SendAsync(ConsumeResult<byte[], byte[]> source, string error, int attempts, CancellationToken cancellationToken)
    {
        var headers = new Headers();
        foreach (var header in source.Message.Headers ?? [])
        {
            headers.Add(header.Key, header.GetValueBytes());
        }

        headers.Add(ErrorHeader, Encoding.UTF8.GetBytes(error));
        headers.Add(AttemptsHeader, Encoding.UTF8.GetBytes(attempts.ToString(CultureInfo.InvariantCulture)));
        headers.Add(SourceHeader, Encoding.UTF8.GetBytes(source.TopicPartitionOffset.ToString()));
        headers.Add(GroupHeader, Encoding.UTF8.GetBytes(clients.Options.GroupId));
        headers.Add(FailedAtHeader, Encoding.UTF8.GetBytes(time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture)));
        var message = new Message<byte[], byte[]> { Key = source.Message.Key, Value = source.Message.Value, Headers = headers };
        var topic = clients.Options.DeadLetterTopicName;

        var delay = 200;
        while (true)
        {
            try
            {
                await clients.Producer.ProduceAsync(topic, message, cancellationToken);
                monitor.DeadLettered();
                LogDeadLettered(source.TopicPartitionOffset.ToString(), topic, error);
                return;
            }
            catch (KafkaException ex) when (!cancellationToken.IsCancellationRequested)
            {
                monitor.Error($"dead-letter send failed: {ex.Error.Reason}");
                LogSendFailed(ex, source.TopicPartitionOffset.ToString(), topic, delay);
                await Task.Delay(TimeSpan.FromMilliseconds(delay), time, cancellationToken);
                delay = Math.Min(delay * 2, 30_000);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sent {Source} to the dead-letter topic {Topic}: {Error}")]
    private partial void LogDeadLettered(string source, string topic, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not send {Source} to the dead-letter topic {Topic}; retrying in {DelayMs} ms before committing past it")]
    private partial void LogSendFailed(Exception exception, string source, string topic, int delayMs);
}
