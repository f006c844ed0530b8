using Migration.Application.OrderLines.GetOrderLine;
using Migration.Application.OrderLines.ListOrderLines;
using Migration.Application.OrderLines.PutOrderLine;

namespace Migration.Application.UnitTests.OrderLines;

public sealed class OrderLineValidatorTests
{
    private readonly PutOrderLineCommandValidator _put = new();

    [Fact]
    public void Put_AllFieldsValid_Passes() =>
        Assert.True(_put.Validate(new PutOrderLineCommand(long.MaxValue, int.MaxValue, new string('x', 40), 1_000_000, 9_999_999_999.99m)).IsValid);

    [Theory]
    [InlineData(0L, 1, "A", 1, 0, "OrderId")]
    [InlineData(1L, 0, "A", 1, 0, "LineNo")]
    [InlineData(1L, 1, null, 1, 0, "Sku")]
    [InlineData(1L, 1, "A\tB", 1, 0, "Sku")]
    [InlineData(1L, 1, "A", null, 0, "Qty")]
    [InlineData(1L, 1, "A", 1_000_001, 0, "Qty")]
    [InlineData(1L, 1, "A", 1, -1, "Price")]
    [InlineData(1L, 1, "A", 1, 0.125, "Price")]
    public void Put_OneFieldWrong_FailsOnThatField(long orderId, int lineNo, string? sku, int? qty, double price, string field)
    {
        var result = _put.Validate(new PutOrderLineCommand(orderId, lineNo, sku, qty, (decimal)price));

        Assert.Equal(field, Assert.Single(result.Errors).PropertyName);
    }

    [Fact]
    public void Put_PriceTheJsonReaderRoundedToZero_FailsOnPrice() =>
        Assert.Equal("Price", Assert.Single(_put.Validate(new PutOrderLineCommand(1, 1, "A", 1,
            decimal.Parse("0.0000000000000000000000000000", System.Globalization.CultureInfo.InvariantCulture))).Errors).PropertyName);

    [Fact]
    public void Put_SkuLongerThanTheColumn_FailsOnSku() =>
        Assert.Equal("Sku", Assert.Single(_put.Validate(new PutOrderLineCommand(1, 1, new string('x', 41), 1, 1m)).Errors).PropertyName);

    [Fact]
    public void Get_KeyNotPositive_FailsOnBothParts() =>
        Assert.Equal(["OrderId", "LineNo"], new GetOrderLineQueryValidator().Validate(new GetOrderLineQuery(-1, 0)).Errors.Select(e => e.PropertyName));

    [Theory]
    [InlineData(1L, -1, 10, "AfterLineNo")]
    [InlineData(1L, 0, 0, "Limit")]
    [InlineData(0L, 0, 10, "OrderId")]
    public void List_Invalid_FailsOnTheField(long orderId, int after, int limit, string field) =>
        Assert.Equal(field, Assert.Single(new ListOrderLinesQueryValidator().Validate(new ListOrderLinesQuery(orderId, after, limit)).Errors).PropertyName);
}
