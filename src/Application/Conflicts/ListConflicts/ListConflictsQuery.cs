using FluentValidation;
using Mediator;
using Migration.Application.Abstractions;
using Migration.Domain;
using Migration.Domain.Repair;

namespace Migration.Application.Conflicts.ListConflicts;

/// <summary>Rows the repair policy refused to touch, newest first.</summary>
/// <param name="Status"><c>open</c> (default) or <c>all</c>.</param>
/// <param name="Before">Conflicts with a smaller id are listed: the <c>nextBefore</c> of the previous page.</param>
/// <param name="Limit">At most this many (1 to 1,000). Default 100.</param>
public sealed record ListConflictsQuery(string? Status, long? Before, int? Limit) : IRequest<ConflictPageDto>
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1_000;
}

/// <summary>One conflict.</summary>
/// <param name="Key">The row's key.</param>
/// <param name="BaseSide">The side the event named as the truth: <c>SRC</c> or <c>DST</c>.</param>
/// <param name="BaseVersion">The base row's <c>utime</c> when the repair refused it; null when the base has no such row.</param>
/// <param name="OtherVersion">The other side's <c>utime</c>; null when it has no such row.</param>
/// <param name="Reason">Why the policy refused to touch it.</param>
/// <param name="Open">False once closed: repaired later, or superseded by a full run that started after it.</param>
public sealed record ConflictDto(
    long Id,
    string Table,
    string Key,
    string BaseSide,
    long? BaseVersion,
    long? OtherVersion,
    string Reason,
    Guid EventId,
    DateTimeOffset DetectedAt,
    bool Open,
    DateTimeOffset? ResolvedAt,
    string? Resolution)
{
    public static ConflictDto From(Conflict c) => new(
        c.Id, c.Table, c.Key, c.BaseSide.ToWire(), c.BaseVersion, c.OtherVersion, c.Reason, c.EventId, c.DetectedAt, c.IsOpen, c.ResolvedAt,
        c.Resolution);
}

/// <param name="Open">How many conflicts are open in all.</param>
/// <param name="NextBefore">Pass as <c>before</c> for the next page; null on the last page.</param>
public sealed record ConflictPageDto(IReadOnlyList<ConflictDto> Items, long Open, long? NextBefore);

internal sealed class ListConflictsQueryValidator : AbstractValidator<ListConflictsQuery>
{
    public ListConflictsQueryValidator()
    {
        RuleFor(q => q.Status).Must(s => s is null or "open" or "all").WithMessage("'status' must be 'open' or 'all'.");
        RuleFor(q => q.Before).GreaterThan(0).WithMessage("'before' must be a conflict id.");
        RuleFor(q => q.Limit).InclusiveBetween(1, ListConflictsQuery.MaxLimit)
            .WithMessage($"'limit' must be between 1 and {ListConflictsQuery.MaxLimit}.");
    }
}

internal sealed class ListConflictsQueryHandler(IConflictStore conflicts) : IRequestHandler<ListConflictsQuery, ConflictPageDto>
{
    public async ValueTask<ConflictPageDto> Handle(ListConflictsQuery request, CancellationToken cancellationToken)
    {
        var limit = request.Limit ?? ListConflictsQuery.DefaultLimit;
        var page = await conflicts.ListAsync(request.Status != "all", request.Before, limit, cancellationToken);
        var open = await conflicts.CountOpenAsync(cancellationToken);
        return new ConflictPageDto(page.Select(ConflictDto.From).ToArray(), open, page.Count == limit ? page[^1].Id : null);
    }
}
