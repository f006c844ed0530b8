using System.Text;
using Confluent.Kafka;
using Migration.Infrastructure.Outbox;
using Migration.Infrastructure.State;

namespace Migration.Infrastructure.Kafka;

/// <summary>The outbox relay's transport to Kafka: produces to the topic and confirms a message by its delivery report.</summary>
internal sealed class KafkaEventTransport : IEventTransport
{
    private readonly KafkaClients _clients;

    public KafkaEventTransport(KafkaClients clients, OutboxMonitor monitor)
    {
        _clients = clients;
        // Delivery waits through an outage; the status shows why the outbox grows meanwhile.
        clients.ProducerError += monitor.Error;
    }

    public string Name => "kafka";

    public async Task<TransportResult> SendAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken)
    {
        var producer = _clients.Producer;
        var topic = _clients.Options.Topic;
        var reports = new List<Task<DeliveryResult<byte[], byte[]>>>(messages.Count);
        string? error = null;
        foreach (var message in messages)
        {
            try
            {
                reports.Add(producer.ProduceAsync(
                    topic, new Message<byte[], byte[]> { Key = Encoding.UTF8.GetBytes(message.Key), Value = message.Payload }, cancellationToken));
            }
            catch (KafkaException ex)
            {
                // Refused before it was queued (e.g. the local queue is full): keep order, leave the rest for the next round.
                error = ex.Error.Reason;
                break;
            }
        }

        await ((Task)Task.WhenAll(reports)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        cancellationToken.ThrowIfCancellationRequested();
        var delivered = new List<long>(messages.Count);
        for (var i = 0; i < reports.Count; i++)
        {
            var report = reports[i];
            if (report.IsCompletedSuccessfully && report.Result.Status == PersistenceStatus.Persisted)
            {
                delivered.Add(messages[i].Id);
            }
            else
            {
                error ??= Describe(report);
            }
        }

        return new TransportResult(delivered, error);
    }

    private static string Describe(Task<DeliveryResult<byte[], byte[]>> report) => report switch
    {
        { IsCompletedSuccessfully: true } => $"delivery status {report.Result.Status}",
        { Exception.InnerException: ProduceException<byte[], byte[]> failed } => failed.Error.Reason,
        { Exception.InnerException: { } other } => other.Message,
        _ => $"delivery {report.Status}",
    };
}
