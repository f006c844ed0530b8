namespace Migration.Domain.Orders;

/// <summary>
/// The second demo table, <c>order_lines</c>: a line of an order, identified by the order and its line number. The
/// key is the application's own (composite, never generated): the pool copies it to the secondary as it is.
/// </summary>
public sealed class OrderLine : IVersioned
{
    /// <summary>The order the line belongs to; the first part of the key.</summary>
    public long OrderId { get; set; }

    /// <summary>The line's number within its order; the second part of the key.</summary>
    public int LineNo { get; set; }

    public string Sku { get; set; } = "";

    public int Qty { get; set; }

    public decimal Price { get; set; }

    /// <summary>Last update time, ms since the epoch; every write sets it.</summary>
    public long Utime { get; set; }
}
