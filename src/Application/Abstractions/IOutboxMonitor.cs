namespace Migration.Application.Abstractions;

/// <summary>The durable outbox between validation and the event transport, as operators need to see it.</summary>
/// <param name="Transport"><c>kafka</c> or <c>in-process</c>: where the relay sends the events.</param>
/// <param name="Pending">Events written to the outbox and not yet confirmed by the transport.</param>
/// <param name="OldestPendingAgeMs">Age of the oldest pending event in milliseconds; null when none is pending.</param>
/// <param name="Relayed">Events this process's relay saw confirmed since it started.</param>
/// <param name="Errors">Failed relay rounds and transport errors (such as "all brokers down") since this process started.</param>
/// <param name="LastError">The latest of those errors, or null.</param>
public sealed record OutboxStatus(string Transport, long Pending, long? OldestPendingAgeMs, long Relayed, long Errors, string? LastError);

public interface IOutboxMonitor
{
    /// <summary>Reads the pending count and the oldest pending event from the outbox (one query on the control database).</summary>
    ValueTask<OutboxStatus> GetAsync(CancellationToken cancellationToken);
}
