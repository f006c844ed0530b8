using FluentValidation;
using Mediator;
using Migration.Application.Abstractions;
using Migration.Domain.Orders;

namespace Migration.Application.OrderLines.ListOrderLines;

/// <summary>A page of an order's lines by line number, read from the primary side.</summary>
/// <param name="AfterLineNo">Lines with a greater number are listed. Default 0.</param>
/// <param name="Limit">At most this many (1 to 1,000). Default 100.</param>
public sealed record ListOrderLinesQuery(long OrderId, int? AfterLineNo, int? Limit) : IRequest<OrderLinePageDto>
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1_000;
}

internal sealed class ListOrderLinesQueryValidator : AbstractValidator<ListOrderLinesQuery>
{
    public ListOrderLinesQueryValidator()
    {
        RuleFor(q => q.OrderId).GreaterThan(0).WithMessage("'orderId' must be 1 or more.");
        RuleFor(q => q.AfterLineNo).GreaterThanOrEqualTo(0).WithMessage("'afterLineNo' must be 0 or more.");
        RuleFor(q => q.Limit).InclusiveBetween(1, ListOrderLinesQuery.MaxLimit).WithMessage($"'limit' must be between 1 and {ListOrderLinesQuery.MaxLimit}.");
    }
}

internal sealed class ListOrderLinesQueryHandler(IMigratedRepository<OrderLine> lines) : IRequestHandler<ListOrderLinesQuery, OrderLinePageDto>
{
    public async ValueTask<OrderLinePageDto> Handle(ListOrderLinesQuery request, CancellationToken cancellationToken)
    {
        var (orderId, after, limit) = (request.OrderId, request.AfterLineNo ?? 0, request.Limit ?? ListOrderLinesQuery.DefaultLimit);
        // Keyset over the primary key (order_id, line_no): a range scan of one order.
        var page = await lines.ListAsync(
            q => q.Where(l => l.OrderId == orderId && l.LineNo > after).OrderBy(l => l.LineNo).Take(limit), cancellationToken);
        return new OrderLinePageDto(page.Select(OrderLineDto.From).ToArray(), page.Count == limit ? page[^1].LineNo : null);
    }
}
