using FluentValidation;
using Mediator;
using Migration.Application.Abstractions;
using Migration.Application.Common;
using Migration.Domain.Orders;

namespace Migration.Application.OrderLines.DeleteOrderLine;

/// <summary>Delete an order line on both sides. 404 if the primary side has no such line.</summary>
public sealed record DeleteOrderLineCommand(long OrderId, int LineNo) : IRequest<Unit>, IOrderLineKey;

internal sealed class DeleteOrderLineCommandValidator : AbstractValidator<DeleteOrderLineCommand>
{
    public DeleteOrderLineCommandValidator() => OrderLineRules.ApplyKey(this);
}

internal sealed class DeleteOrderLineCommandHandler(IMigratedRepository<OrderLine> lines) : IRequestHandler<DeleteOrderLineCommand, Unit>
{
    public async ValueTask<Unit> Handle(DeleteOrderLineCommand request, CancellationToken cancellationToken) =>
        await lines.DeleteAsync(OrderLineRules.Key(request.OrderId, request.LineNo), cancellationToken)
            ? Unit.Value
            : throw new NotFoundException($"Order {request.OrderId} has no line {request.LineNo}.");
}
