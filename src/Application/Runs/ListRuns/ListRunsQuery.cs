using FluentValidation;
using Mediator;
using Migration.Application.Abstractions;

namespace Migration.Application.Runs.ListRuns;

/// <summary>The run history, newest first, a page at a time.</summary>
/// <param name="Limit">Runs per page, 1 to 1,000. Default 20.</param>
/// <param name="Before">Only runs older than this: the previous page's <c>nextBefore</c>.</param>
public sealed record ListRunsQuery(int? Limit = null, long? Before = null) : IRequest<RunPageDto>
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 1_000;
}

/// <param name="NextBefore">Pass as <c>before</c> for the next page; null on the last page.</param>
public sealed record RunPageDto(IReadOnlyList<RunRecordDto> Items, long? NextBefore);

internal sealed class ListRunsQueryValidator : AbstractValidator<ListRunsQuery>
{
    public ListRunsQueryValidator()
    {
        RuleFor(q => q.Limit).InclusiveBetween(1, ListRunsQuery.MaxLimit).WithMessage($"'limit' must be between 1 and {ListRunsQuery.MaxLimit}.");
        RuleFor(q => q.Before).GreaterThan(0).WithMessage("'before' must be the 'nextBefore' of a previous page (1 or more).");
    }
}

internal sealed class ListRunsQueryHandler(IRunHistory history, IValidationScheduler scheduler, TimeProvider time)
    : IRequestHandler<ListRunsQuery, RunPageDto>
{
    public async ValueTask<RunPageDto> Handle(ListRunsQuery request, CancellationToken cancellationToken)
    {
        var limit = request.Limit ?? ListRunsQuery.DefaultLimit;
        var page = await history.ListAsync(request.Before, limit, cancellationToken);
        return new RunPageDto(
            page.Select(r => RunRecordDto.From(LiveRuns.Current(r.Run, scheduler, time))).ToArray(),
            page.Count == limit ? page[^1].Position : null);
    }
}
