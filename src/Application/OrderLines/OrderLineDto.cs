using FluentValidation;
using Migration.Domain.Orders;

namespace Migration.Application.OrderLines;

/// <summary>An order line as stored on the primary side.</summary>
/// <param name="Utime">Last update time, ms since the epoch; the same on both sides after a double write.</param>
public sealed record OrderLineDto(long OrderId, int LineNo, string Sku, int Qty, decimal Price, long Utime)
{
    public static OrderLineDto From(OrderLine line) => new(line.OrderId, line.LineNo, line.Sku, line.Qty, line.Price, line.Utime);
}

/// <summary>A page of an order's lines by line number.</summary>
/// <param name="NextAfterLineNo">Pass as <c>afterLineNo</c> for the next page; null on the last page.</param>
public sealed record OrderLinePageDto(IReadOnlyList<OrderLineDto> Items, int? NextAfterLineNo);

/// <summary>A request about one order line: its key.</summary>
public interface IOrderLineKey
{
    long OrderId { get; }

    int LineNo { get; }
}

/// <summary>The rules of an order line's key and fields; they match the <c>order_lines</c> columns.</summary>
internal static class OrderLineRules
{
    public const int MaxSku = 40;
    public const int MaxQty = 1_000_000;

    public static void ApplyKey<T>(AbstractValidator<T> validator)
        where T : IOrderLineKey
    {
        validator.RuleFor(r => r.OrderId).GreaterThan(0).WithMessage("'orderId' must be 1 or more.");
        validator.RuleFor(r => r.LineNo).GreaterThan(0).WithMessage("'lineNo' must be 1 or more.");
    }

    /// <summary>The key of an order line as the pool takes it: the primary key's values in column order.</summary>
    public static object[] Key(long orderId, int lineNo) => [orderId, lineNo];
}
