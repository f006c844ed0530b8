using System.Threading.Channels;
using Migration.Application.Abstractions;
using Migration.Domain.Inconsistencies;
using Migration.Infrastructure.Repair;

namespace Migration.Infrastructure.Events;

/// <summary>A message as it would travel on the topic: the row key and the serialised event.</summary>
internal sealed record EventMessage(string Key, byte[] Value);

/// <summary>
/// The embedded default's topic: an in-memory queue between the validator and the repair worker. It does not
/// survive a restart; the Kafka path with its outbox is the durable one.
/// </summary>
internal sealed class InProcessEventBus
{
    private readonly Channel<EventMessage> _channel = Channel.CreateUnbounded<EventMessage>(
        new UnboundedChannelOptions { SingleReader = true });

    public ChannelReader<EventMessage> Reader => _channel.Reader;

    public ChannelWriter<EventMessage> Writer => _channel.Writer;
}

internal sealed class InProcessInconsistencyPublisher(InProcessEventBus bus, RepairMonitor monitor) : IInconsistencyPublisher
{
    public async ValueTask PublishAsync(IReadOnlyList<InconsistentEvent> events, CancellationToken cancellationToken)
    {
        foreach (var e in events)
        {
            await bus.Writer.WriteAsync(new EventMessage(e.Key, InconsistentEventSerializer.Serialize(e)), cancellationToken);
            monitor.Published();
        }
    }
}
