using Migration.Domain.Patterns;

namespace Migration.Domain.UnitTests.Patterns;

public sealed class WritePatternTests
{
    [Theory]
    [InlineData(WritePattern.SrcOnly, "src_only", Direction.Src, null)]
    [InlineData(WritePattern.SrcFirst, "src_first", Direction.Src, Direction.Dst)]
    [InlineData(WritePattern.DstFirst, "dst_first", Direction.Dst, Direction.Src)]
    [InlineData(WritePattern.DstOnly, "dst_only", Direction.Dst, null)]
    public void Pattern_MapsToWireNameAndSides(WritePattern pattern, string wire, Direction primary, Direction? secondary)
    {
        Assert.Equal(wire, pattern.ToWire());
        Assert.True(WritePatternExtensions.TryParseWire(wire, out var parsed));
        Assert.Equal(pattern, parsed);
        Assert.Equal(primary, pattern.Primary());
        Assert.Equal(secondary, pattern.Secondary());
    }

    [Theory]
    [InlineData("SRC_ONLY")]
    [InlineData("srcOnly")]
    [InlineData("")]
    [InlineData(null)]
    public void TryParseWire_UnknownName_Fails(string? wire) =>
        Assert.False(WritePatternExtensions.TryParseWire(wire, out _));

    [Fact]
    public void Direction_WireNamesAndOther()
    {
        Assert.Equal("SRC", Direction.Src.ToWire());
        Assert.Equal("DST", Direction.Dst.ToWire());
        Assert.Equal(Direction.Dst, Direction.Src.Other());
        Assert.True(DirectionExtensions.TryParseWire("DST", out var d));
        Assert.Equal(Direction.Dst, d);
        Assert.False(DirectionExtensions.TryParseWire("dst", out _));
    }
}
