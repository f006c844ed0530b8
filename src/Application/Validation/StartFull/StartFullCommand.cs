using Mediator;
using Migration.Application.Abstractions;
using Migration.Domain.Runs;

namespace Migration.Application.Validation.StartFull;

/// <summary>Start full validation (every row, both directions), replacing a running one. It ends by itself when done.</summary>
/// <param name="Resume">Continue the latest full run from its checkpoint instead of starting at the first id.</param>
/// <param name="MaxRowsPerSecond">Throttle for this run; default from configuration, 0 is unlimited.</param>
/// <param name="Repair">
/// Hand what the run finds to the repair; false: report only (nothing is written to either side, the differences are
/// stored and listed). Default from configuration (<c>Migration:Repair:Enabled</c>). A resumed run keeps its own.
/// </param>
public sealed record StartFullCommand(bool? Resume = null, long? MaxRowsPerSecond = null, bool? Repair = null) : IRequest<RunDto>;

internal sealed class StartFullCommandHandler(IValidationScheduler scheduler, TimeProvider time)
    : IRequestHandler<StartFullCommand, RunDto>
{
    public async ValueTask<RunDto> Handle(StartFullCommand request, CancellationToken cancellationToken)
    {
        var run = request.Resume == true
            ? await scheduler.ResumeAsync(RunKind.Full, intervalMs: null, request.MaxRowsPerSecond, cancellationToken)
            : await scheduler.StartAsync(RunKind.Full, utime: 0, intervalMs: 0, request.MaxRowsPerSecond, request.Repair, cancellationToken);
        return RunDto.From(run, time.GetUtcNow());
    }
}
