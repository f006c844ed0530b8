using Mediator;
using Migration.Application.Abstractions;
using Migration.Domain.Runs;

namespace Migration.Application.Validation.StopFull;

/// <summary>Stop full validation and wait until its background task has exited.</summary>
public sealed record StopFullCommand : IRequest<StopResultDto>;

internal sealed class StopFullCommandHandler(IValidationScheduler scheduler, TimeProvider time)
    : IRequestHandler<StopFullCommand, StopResultDto>
{
    public async ValueTask<StopResultDto> Handle(StopFullCommand request, CancellationToken cancellationToken)
    {
        var outcome = await scheduler.StopAsync(RunKind.Full, cancellationToken);
        return StopResultDto.From(outcome, time.GetUtcNow());
    }
}
