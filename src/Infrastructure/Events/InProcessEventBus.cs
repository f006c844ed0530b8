using System.Threading.Channels;

namespace Migration.Infrastructure.Events;

/// <summary>A message as it travels on the topic: the row key and the serialised event.</summary>
internal sealed record EventMessage(string Key, byte[] Value);

/// <summary>A message on the in-process bus, with the signal the repair worker gives once it has handled it.</summary>
internal sealed record BusMessage(EventMessage Message, TaskCompletionSource Handled);

/// <summary>
/// The embedded default's topic: an in-memory queue between the outbox relay and the repair worker. It does not
/// survive a restart, which is why the relay marks an event sent only once the worker has handled it.
/// </summary>
internal sealed class InProcessEventBus
{
    private readonly Channel<BusMessage> _channel = Channel.CreateUnbounded<BusMessage>(
        new UnboundedChannelOptions { SingleReader = true });

    public ChannelReader<BusMessage> Reader => _channel.Reader;

    public ChannelWriter<BusMessage> Writer => _channel.Writer;
}
