using Mediator;
using Migration.Application.Abstractions;
using Migration.Domain.Runs;

namespace Migration.Application.Validation.StartIncr;

/// <summary>Start incremental validation of rows with <c>utime</c> at or after <see cref="Utime"/>, replacing a running one.</summary>
/// <param name="Utime">Milliseconds since the epoch; rows updated at or after it are checked. Ignored when resuming.</param>
/// <param name="Interval">Milliseconds to wait between polls once caught up.</param>
/// <param name="Resume">Continue the latest incremental run from its checkpoint instead of starting at <see cref="Utime"/>.</param>
/// <param name="MaxRowsPerSecond">Throttle for this run; default from configuration (<c>Migration:Validation:MaxRowsPerSecond</c>), 0 is unlimited.</param>
/// <param name="Repair">
/// Hand what the run finds to the repair; false: report only (nothing is written to either side, the differences are
/// stored and listed). Default from configuration (<c>Migration:Repair:Enabled</c>). A resumed run keeps its own.
/// </param>
/// <param name="SweepMaxRowsPerSecond">
/// Rate of the run's rolling sweep, rows per second and swept table; 0 turns the sweep off. Default from configuration
/// (<c>Migration:Validation:Sweep:MaxRowsPerSecond</c>). Not with <see cref="Resume"/>: a resumed run keeps its tables' rates.
/// </param>
public sealed record StartIncrCommand(
    long? Utime, long? Interval, bool? Resume = null, long? MaxRowsPerSecond = null, bool? Repair = null, long? SweepMaxRowsPerSecond = null) : IRequest<RunDto>;

internal sealed class StartIncrCommandHandler(IValidationScheduler scheduler, TimeProvider time)
    : IRequestHandler<StartIncrCommand, RunDto>
{
    public async ValueTask<RunDto> Handle(StartIncrCommand request, CancellationToken cancellationToken)
    {
        // The validation behavior guarantees the values are present and in range.
        var run = request.Resume == true
            ? await scheduler.ResumeAsync(RunKind.Incremental, request.Interval, request.MaxRowsPerSecond, cancellationToken)
            : await scheduler.StartAsync(
                RunKind.Incremental, request.Utime!.Value, request.Interval!.Value, request.MaxRowsPerSecond, request.Repair, request.SweepMaxRowsPerSecond, cancellationToken);
        return RunDto.From(run, time.GetUtcNow());
    }
}
