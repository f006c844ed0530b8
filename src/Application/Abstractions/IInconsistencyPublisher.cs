using Migration.Domain.Inconsistencies;

namespace Migration.Application.Abstractions;

/// <summary>Hands inconsistencies to the repair path (in process, or Kafka when configured).</summary>
public interface IInconsistencyPublisher
{
    /// <summary>
    /// Publishes the events. Returns only once they are safely accepted; throws if they were not, so the caller
    /// can retry rather than lose them.
    /// </summary>
    ValueTask PublishAsync(IReadOnlyList<InconsistentEvent> events, CancellationToken cancellationToken);
}
