using Mediator;
using Migration.Application.Abstractions;
using Migration.Domain.Patterns;
using Migration.Domain.Runs;

namespace Migration.Application.Validation.GetStatus;

/// <summary>Where the migration stands: the pattern, the latest run of each kind, and the repair counters.</summary>
public sealed record GetStatusQuery : IRequest<MigrationStatusDto>;

/// <param name="Pattern">The current double-write pattern (<c>src_only</c>, <c>src_first</c>, <c>dst_first</c>, <c>dst_only</c>).</param>
/// <param name="Incremental">The latest incremental run, running or ended; null if none was started.</param>
/// <param name="Full">The latest full run, running or ended; null if none was started.</param>
/// <param name="Repair">What the repair consumer has done since the process started.</param>
public sealed record MigrationStatusDto(string Pattern, RunDto? Incremental, RunDto? Full, RepairCounters Repair)
{
    /// <summary>The event outbox: pending events and the age of the oldest, whatever the transport.</summary>
    public OutboxStatus? Outbox { get; init; }

    /// <summary>This instance's Kafka repair consumer (partitions, lag, dead letters); null when it runs none.</summary>
    public RepairConsumerStatus? Consumer { get; init; }
}

internal sealed class GetStatusQueryHandler(
    IValidationScheduler scheduler,
    IPatternStore patterns,
    IRepairMonitor repairs,
    IOutboxMonitor outbox,
    IRepairConsumerMonitor consumer,
    TimeProvider time)
    : IRequestHandler<GetStatusQuery, MigrationStatusDto>
{
    public async ValueTask<MigrationStatusDto> Handle(GetStatusQuery request, CancellationToken cancellationToken)
    {
        var pattern = await patterns.GetAsync(cancellationToken);
        var now = time.GetUtcNow();
        return new MigrationStatusDto(
            pattern.ToWire(),
            scheduler.Latest(RunKind.Incremental) is { } incr ? RunDto.From(incr, now) : null,
            scheduler.Latest(RunKind.Full) is { } full ? RunDto.From(full, now) : null,
            repairs.Snapshot())
        {
            Outbox = await outbox.GetAsync(cancellationToken),
            Consumer = consumer.Snapshot(),
        };
    }
}
