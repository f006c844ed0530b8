using FluentValidation;
using Mediator;
using Migration.Application.Abstractions;
using Migration.Application.Common;

namespace Migration.Application.Runs.GetRun;

/// <summary>One run of the history, with its stored differences counted by outcome.</summary>
/// <param name="Id">The run's id (a GUID).</param>
public sealed record GetRunQuery(string Id) : IRequest<RunRecordDto>;

internal sealed class GetRunQueryValidator : AbstractValidator<GetRunQuery>
{
    public GetRunQueryValidator() => RuleFor(q => q.Id).NotEmpty().WithMessage("'id' must be a run id (a GUID).").MustBeRunId("id");
}

internal sealed class GetRunQueryHandler(IRunHistory history, IDifferenceStore differences, IValidationScheduler scheduler, TimeProvider time)
    : IRequestHandler<GetRunQuery, RunRecordDto>
{
    public async ValueTask<RunRecordDto> Handle(GetRunQuery request, CancellationToken cancellationToken)
    {
        var id = Guid.Parse(request.Id);
        var run = await history.GetAsync(id, cancellationToken)
            ?? throw new NotFoundException($"There is no run {id} in the history (GET /migrator/runs lists the runs kept).");
        var outcomes = await differences.CountOutcomesAsync(id, cancellationToken);
        return RunRecordDto.From(LiveRuns.Current(run, scheduler, time)) with { Outcomes = OutcomeCountsDto.From(outcomes) };
    }
}
