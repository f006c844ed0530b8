using Mediator;
using Migration.Application.Abstractions;
using Migration.Domain.Runs;

namespace Migration.Application.Validation.StopIncr;

/// <summary>Stop incremental validation and wait until its background task has exited.</summary>
public sealed record StopIncrCommand : IRequest<StopResultDto>;

internal sealed class StopIncrCommandHandler(IValidationScheduler scheduler, TimeProvider time)
    : IRequestHandler<StopIncrCommand, StopResultDto>
{
    public async ValueTask<StopResultDto> Handle(StopIncrCommand request, CancellationToken cancellationToken)
    {
        var outcome = await scheduler.StopAsync(RunKind.Incremental, cancellationToken);
        return StopResultDto.From(outcome, time.GetUtcNow());
    }
}
