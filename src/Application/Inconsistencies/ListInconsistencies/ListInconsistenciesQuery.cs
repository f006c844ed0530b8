using FluentValidation;
using Mediator;
using Migration.Application.Abstractions;
using Migration.Application.Runs;
using Migration.Domain.Inconsistencies;

namespace Migration.Application.Inconsistencies.ListInconsistencies;

/// <summary>Stored differences, newest first, a page at a time; every filter given must hold.</summary>
/// <param name="Run">Only those a run found (its id).</param>
/// <param name="Table">Only those of a table.</param>
/// <param name="Type"><c>target_missing</c>, <c>neq</c> or <c>base_missing</c>.</param>
/// <param name="Outcome"><c>pending</c>, <c>repaired</c>, <c>conflict</c>, <c>dead-letter</c> or <c>gone</c>.</param>
/// <param name="After">Continue after this difference: the previous page's <c>nextAfter</c>.</param>
/// <param name="Limit">Differences per page, 1 to 1,000. Default 100.</param>
public sealed record ListInconsistenciesQuery(
    string? Run = null, string? Table = null, string? Type = null, string? Outcome = null, long? After = null, int? Limit = null)
    : IRequest<InconsistencyPageDto>
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1_000;
}

/// <param name="NextAfter">Pass as <c>after</c> for the next page; null on the last page.</param>
public sealed record InconsistencyPageDto(IReadOnlyList<InconsistencyDto> Items, long? NextAfter);

internal sealed class ListInconsistenciesQueryValidator : AbstractValidator<ListInconsistenciesQuery>
{
    public ListInconsistenciesQueryValidator()
    {
        RuleFor(q => q.Run).MustBeRunId("run");
        RuleFor(q => q.Table).MaximumLength(128).WithMessage("'table' must be a table name (at most 128 characters).");
        RuleFor(q => q.Type).Must(t => t is null || InconsistencyTypeExtensions.TryParseWire(t, out _))
            .WithMessage("'type' must be target_missing, neq or base_missing.");
        RuleFor(q => q.Outcome).Must(o => o is null || DifferenceOutcomeExtensions.TryParseWire(o, out _))
            .WithMessage($"'outcome' must be one of {string.Join(", ", DifferenceOutcomeExtensions.WireNames)}.");
        RuleFor(q => q.After).GreaterThan(0).WithMessage("'after' must be the 'nextAfter' of a previous page (1 or more).");
        RuleFor(q => q.Limit).InclusiveBetween(1, ListInconsistenciesQuery.MaxLimit)
            .WithMessage($"'limit' must be between 1 and {ListInconsistenciesQuery.MaxLimit}.");
    }
}

internal sealed class ListInconsistenciesQueryHandler(IDifferenceStore differences) : IRequestHandler<ListInconsistenciesQuery, InconsistencyPageDto>
{
    public async ValueTask<InconsistencyPageDto> Handle(ListInconsistenciesQuery request, CancellationToken cancellationToken)
    {
        var limit = request.Limit ?? ListInconsistenciesQuery.DefaultLimit;
        var filter = Filters.From(request.Run, request.Table, request.Type, request.Outcome);
        var page = await differences.ListAsync(filter, request.After, limit, cancellationToken);
        return new InconsistencyPageDto(page.Select(InconsistencyDto.From).ToArray(), page.Count == limit ? page[^1].Id : null);
    }
}

/// <summary>A filter from validated request values.</summary>
internal static class Filters
{
    public static DifferenceFilter From(string? run, string? table, string? type, string? outcome) => new(
        run is null ? null : Guid.Parse(run),
        string.IsNullOrEmpty(table) ? null : table,
        InconsistencyTypeExtensions.TryParseWire(type, out var t) ? t : null,
        DifferenceOutcomeExtensions.TryParseWire(outcome, out var o) ? o : null);
}
