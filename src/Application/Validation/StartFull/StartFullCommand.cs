using Mediator;
using Migration.Application.Abstractions;
using Migration.Domain.Runs;

namespace Migration.Application.Validation.StartFull;

/// <summary>Start full validation (every row, both directions), replacing a running one. It ends by itself when done.</summary>
public sealed record StartFullCommand : IRequest<RunDto>;

internal sealed class StartFullCommandHandler(IValidationScheduler scheduler, TimeProvider time)
    : IRequestHandler<StartFullCommand, RunDto>
{
    public async ValueTask<RunDto> Handle(StartFullCommand request, CancellationToken cancellationToken)
    {
        var run = await scheduler.StartAsync(RunKind.Full, utime: 0, intervalMs: 0, cancellationToken);
        return RunDto.From(run, time.GetUtcNow());
    }
}
