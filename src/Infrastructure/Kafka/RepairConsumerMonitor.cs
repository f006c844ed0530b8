using Microsoft.Extensions.Options;
using Migration.Application.Abstractions;
using Migration.Infrastructure.Options;

namespace Migration.Infrastructure.Kafka;

/// <summary>The Kafka repair consumer's state for the status: written by the consume loop, read by any thread.</summary>
internal sealed class RepairConsumerMonitor(IOptions<MigrationOptions> options) : IRepairConsumerMonitor
{
    private readonly KafkaOptions _kafka = options.Value.Kafka;
    private volatile bool _running;
    private volatile Assignment _assignment = new([], null);
    private long _handled;
    private long _deadLettered;
    private long _errors;
    private volatile string? _lastError;

    public void Started() => _running = true;

    public void Assigned(IReadOnlyList<int> partitions, long? lag) => _assignment = new Assignment(partitions, lag);

    public void Handled() => Interlocked.Increment(ref _handled);

    public void DeadLettered() => Interlocked.Increment(ref _deadLettered);

    public void Error(string message)
    {
        Interlocked.Increment(ref _errors);
        _lastError = message;
    }

    public RepairConsumerStatus? Snapshot()
    {
        if (!_running)
        {
            return null;
        }

        var assignment = _assignment;
        return new RepairConsumerStatus(
            _kafka.GroupId,
            _kafka.Topic,
            assignment.Partitions,
            assignment.Lag,
            Interlocked.Read(ref _handled),
            Interlocked.Read(ref _deadLettered),
            Interlocked.Read(ref _errors),
            _lastError);
    }

    private sealed record Assignment(IReadOnlyList<int> Partitions, long? Lag);
}
