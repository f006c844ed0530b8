using Migration.Infrastructure.State;

namespace Migration.Infrastructure.Outbox;

/// <summary>Where the outbox relay sends events: Kafka, or the in-process bus of the embedded default.</summary>
internal interface IEventTransport
{
    /// <summary><c>kafka</c> or <c>in-process</c>, as shown in the status.</summary>
    string Name { get; }

    /// <summary>
    /// Sends the messages in order and waits for the transport to confirm each. Messages it could not confirm are
    /// left out of <see cref="TransportResult.Delivered"/>; they stay pending and are sent again by a later round.
    /// </summary>
    Task<TransportResult> SendAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken);
}

/// <param name="Delivered">Outbox ids whose delivery the transport confirmed.</param>
/// <param name="FirstError">Why the first unconfirmed message failed; null when all were delivered.</param>
internal sealed record TransportResult(IReadOnlyList<long> Delivered, string? FirstError);
