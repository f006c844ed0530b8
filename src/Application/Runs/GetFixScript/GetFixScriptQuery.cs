using FluentValidation;
using Mediator;
using Migration.Application.Abstractions;
using Migration.Application.Common;

namespace Migration.Application.Runs.GetFixScript;

/// <summary>
/// The SQL that makes the run's other side equal to its base for every row the run found different: each base row is
/// read again as the script is written.
/// </summary>
/// <param name="Id">The run's id (a GUID).</param>
public sealed record GetFixScriptQuery(string Id) : IRequest<FixScript>;

internal sealed class GetFixScriptQueryValidator : AbstractValidator<GetFixScriptQuery>
{
    public GetFixScriptQueryValidator() => RuleFor(q => q.Id).NotEmpty().WithMessage("'id' must be a run id (a GUID).").MustBeRunId("id");
}

internal sealed class GetFixScriptQueryHandler(IFixScriptWriter writer) : IRequestHandler<GetFixScriptQuery, FixScript>
{
    public async ValueTask<FixScript> Handle(GetFixScriptQuery request, CancellationToken cancellationToken)
    {
        var id = Guid.Parse(request.Id);
        return await writer.CreateAsync(id, cancellationToken)
            ?? throw new NotFoundException($"There is no run {id} in the history (GET /migrator/runs lists the runs kept).");
    }
}
