using FluentValidation;
using Mediator;
using Migration.Application.Abstractions;
using Migration.Application.Common;
using Migration.Domain.Orders;

namespace Migration.Application.OrderLines.PutOrderLine;

/// <summary>
/// Create the order line, or replace its fields if it exists. The key is the client's (never generated): the primary
/// side receives it, and the secondary the same.
/// </summary>
public sealed record PutOrderLineCommand(long OrderId, int LineNo, string? Sku, int? Qty, decimal? Price) : IRequest<PutOrderLineResult>, IOrderLineKey;

/// <summary>The line as written, and whether it was created (rather than replaced).</summary>
public sealed record PutOrderLineResult(OrderLineDto Line, bool Created);

internal sealed class PutOrderLineCommandValidator : AbstractValidator<PutOrderLineCommand>
{
    public PutOrderLineCommandValidator()
    {
        OrderLineRules.ApplyKey(this);
        RuleFor(c => c.Sku)
            .Cascade(CascadeMode.Stop)
            .NotEmpty().WithMessage("'sku' is required.")
            .MaximumLength(OrderLineRules.MaxSku).WithMessage($"'sku' must be at most {OrderLineRules.MaxSku} characters.")
            .Must(sku => sku is null || !sku.Any(char.IsControl)).WithMessage("'sku' must not contain control characters such as NUL or line breaks.");
        RuleFor(c => c.Qty)
            .Cascade(CascadeMode.Stop)
            .NotNull().WithMessage("'qty' is required.")
            .InclusiveBetween(1, OrderLineRules.MaxQty).WithMessage($"'qty' must be between 1 and {OrderLineRules.MaxQty}.");
        RuleFor(c => c.Price)
            .Cascade(CascadeMode.Stop)
            .NotNull().WithMessage("'price' is required.")
            .GreaterThanOrEqualTo(0m).WithMessage("'price' must not be negative.")
            .Must(DecimalRules.NotRounded).WithMessage("'price' must have at most 10 digits before the decimal point and 2 after it.")
            .PrecisionScale(12, 2, ignoreTrailingZeros: true)
            .WithMessage("'price' must have at most 10 digits before the decimal point and 2 after it.");
    }
}

internal sealed class PutOrderLineCommandHandler(IMigratedRepository<OrderLine> lines) : IRequestHandler<PutOrderLineCommand, PutOrderLineResult>
{
    public async ValueTask<PutOrderLineResult> Handle(PutOrderLineCommand request, CancellationToken cancellationToken)
    {
        // The validation behavior guarantees every field is present and valid.
        if (await lines.GetAsync(OrderLineRules.Key(request.OrderId, request.LineNo), cancellationToken) is { } line)
        {
            // Optimistic on utime: a write to the line since it was read makes this one a 409, nothing written.
            Apply(line, request);
            return new PutOrderLineResult(OrderLineDto.From(await lines.UpdateAsync(line, cancellationToken)), Created: false);
        }

        // A line created by another request meanwhile makes the insert a 409: its key is taken.
        var created = new OrderLine { OrderId = request.OrderId, LineNo = request.LineNo };
        Apply(created, request);
        return new PutOrderLineResult(OrderLineDto.From(await lines.InsertAsync(created, cancellationToken)), Created: true);
    }

    private static void Apply(OrderLine line, PutOrderLineCommand request)
    {
        line.Sku = request.Sku!;
        line.Qty = request.Qty!.Value;
        line.Price = request.Price!.Value;
    }
}
