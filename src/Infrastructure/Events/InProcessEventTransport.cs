using Migration.Infrastructure.Outbox;
using Migration.Infrastructure.State;

namespace Migration.Infrastructure.Events;

/// <summary>The outbox relay's transport on the embedded default: the in-process bus to the repair worker.</summary>
internal sealed class InProcessEventTransport(InProcessEventBus bus) : IEventTransport
{
    public string Name => "in-process";

    public async Task<TransportResult> SendAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken)
    {
        var handled = new Task[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await bus.Writer.WriteAsync(new BusMessage(new EventMessage(messages[i].Key, messages[i].Payload), done), cancellationToken);
            handled[i] = done.Task;
        }

        // The queue lives in memory only: an event is delivered once the repair handled it (repaired, or stored as a
        // dead letter), not when it was queued. One that failed stays pending; the others of the batch are done.
        await Task.WhenAll(handled).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        cancellationToken.ThrowIfCancellationRequested();
        var delivered = new List<long>(messages.Count);
        string? error = null;
        for (var i = 0; i < messages.Count; i++)
        {
            if (handled[i].IsCompletedSuccessfully)
            {
                delivered.Add(messages[i].Id);
            }
            else
            {
                error ??= handled[i].Exception?.GetBaseException().Message ?? "not handled by the repair";
            }
        }

        return new TransportResult(delivered, error);
    }
}
