using FluentValidation;
using Mediator;
using Migration.Application.Abstractions;
using Migration.Application.Common;
using Migration.Domain.Orders;

namespace Migration.Application.OrderLines.GetOrderLine;

/// <summary>One order line, read from the primary side.</summary>
public sealed record GetOrderLineQuery(long OrderId, int LineNo) : IRequest<OrderLineDto>, IOrderLineKey;

internal sealed class GetOrderLineQueryValidator : AbstractValidator<GetOrderLineQuery>
{
    public GetOrderLineQueryValidator() => OrderLineRules.ApplyKey(this);
}

internal sealed class GetOrderLineQueryHandler(IMigratedRepository<OrderLine> lines) : IRequestHandler<GetOrderLineQuery, OrderLineDto>
{
    public async ValueTask<OrderLineDto> Handle(GetOrderLineQuery request, CancellationToken cancellationToken) =>
        await lines.GetAsync(OrderLineRules.Key(request.OrderId, request.LineNo), cancellationToken) is { } line
            ? OrderLineDto.From(line)
            : throw new NotFoundException($"Order {request.OrderId} has no line {request.LineNo}.");
}
