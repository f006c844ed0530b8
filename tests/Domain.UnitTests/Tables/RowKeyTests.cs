using Migration.Domain.Tables;

namespace Migration.Domain.UnitTests.Tables;

public sealed class RowKeyTests
{
    private static readonly TableSpec _lines = new(
        "order_lines",
        [new ColumnSpec("order_id", ColumnKind.Integer, "bigint", false), new ColumnSpec("line_code", ColumnKind.Text, "varchar", false)],
        [],
        null,
        null,
        new Dictionary<string, CompareRule>());

    [Fact]
    public void FromNamed_ColumnsInAnotherOrder_MatchesThemByName()
    {
        // As an outside producer may write the event's key object: {"line_code":"A","order_id":7}.
        var given = new RowKey(["line_code", "order_id"], ["A", 7L], ["A", 7L]);

        var key = RowKey.FromNamed(_lines, given);

        Assert.Equal(["order_id", "line_code"], key.Columns);
        Assert.Equal(7L, key.Values[0]);
        Assert.Equal("A", key.Values[1]);
    }

    [Fact]
    public void FromNamed_BareIdOfTheOriginalProducer_IsTakenByPosition()
    {
        var users = _lines with { Key = [new ColumnSpec("user_id", ColumnKind.Integer, "bigint", false)] };

        var key = RowKey.FromNamed(users, RowKey.Of(42));

        Assert.Equal(["user_id"], key.Columns);
        Assert.Equal(42L, key.Values[0]);
    }
}
