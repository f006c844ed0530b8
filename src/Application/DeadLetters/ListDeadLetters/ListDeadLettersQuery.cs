using Mediator;
using Migration.Application.Abstractions;

namespace Migration.Application.DeadLetters.ListDeadLetters;

/// <summary>Dead letters, newest first, a page at a time.</summary>
/// <param name="Limit">Dead letters per page, 1 to <see cref="ListDeadLettersQueryValidator.MaxLimit"/>.</param>
/// <param name="Before">Only dead letters with a smaller id: the previous page's <see cref="DeadLetterPageDto.NextBefore"/>.</param>
public sealed record ListDeadLettersQuery(int Limit = ListDeadLettersQuery.DefaultLimit, long? Before = null) : IRequest<DeadLetterPageDto>
{
    public const int DefaultLimit = 100;
}

/// <param name="Items">The page, newest first.</param>
/// <param name="Open">Dead letters not replayed yet, in all.</param>
/// <param name="Total">Dead letters stored, in all.</param>
/// <param name="NextBefore">Pass as <c>before</c> for the next page; null on the last page.</param>
public sealed record DeadLetterPageDto(IReadOnlyList<DeadLetter> Items, long Open, long Total, long? NextBefore);

internal sealed class ListDeadLettersQueryHandler(IDeadLetterStore deadLetters) : IRequestHandler<ListDeadLettersQuery, DeadLetterPageDto>
{
    public async ValueTask<DeadLetterPageDto> Handle(ListDeadLettersQuery request, CancellationToken cancellationToken)
    {
        var items = await deadLetters.ListAsync(request.Limit, request.Before, cancellationToken);
        var counts = await deadLetters.CountAsync(cancellationToken);
        return new DeadLetterPageDto(items, counts.Open, counts.Total, items.Count == request.Limit ? items[^1].Id : null);
    }
}
