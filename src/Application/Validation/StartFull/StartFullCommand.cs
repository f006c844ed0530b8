using Mediator;
using Migration.Application.Abstractions;
using Migration.Domain.Runs;

namespace Migration.Application.Validation.StartFull;

/// <summary>Start full validation (every row, both directions), replacing a running one. It ends by itself when done.</summary>
/// <param name="Resume">Continue the latest full run from its checkpoint instead of starting at the first id.</param>
public sealed record StartFullCommand(bool? Resume = null) : IRequest<RunDto>;

internal sealed class StartFullCommandHandler(IValidationScheduler scheduler, TimeProvider time)
    : IRequestHandler<StartFullCommand, RunDto>
{
    public async ValueTask<RunDto> Handle(StartFullCommand request, CancellationToken cancellationToken)
    {
        var run = request.Resume == true
            ? await scheduler.ResumeAsync(RunKind.Full, intervalMs: null, cancellationToken)
            : await scheduler.StartAsync(RunKind.Full, utime: 0, intervalMs: 0, cancellationToken);
        return RunDto.From(run, time.GetUtcNow());
    }
}
