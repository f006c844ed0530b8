using Migration.Domain.Patterns;

namespace Migration.Domain.UnitTests.Patterns;

public sealed class PatternMoveRuleTests
{
    [Theory]
    [InlineData(WritePattern.SrcOnly, WritePattern.SrcFirst)]
    [InlineData(WritePattern.SrcFirst, WritePattern.DstFirst)]
    [InlineData(WritePattern.DstFirst, WritePattern.DstOnly)]
    [InlineData(WritePattern.DstOnly, WritePattern.DstFirst)]
    [InlineData(WritePattern.DstFirst, WritePattern.SrcFirst)]
    [InlineData(WritePattern.SrcFirst, WritePattern.SrcOnly)]
    public void Check_OneStepEitherWay_IsStep(WritePattern from, WritePattern to) =>
        Assert.Equal(PatternMoveCheck.Step, PatternMoveRule.Check(from, to, force: false));

    [Theory]
    [InlineData(WritePattern.SrcOnly, WritePattern.DstFirst)]
    [InlineData(WritePattern.SrcOnly, WritePattern.DstOnly)]
    [InlineData(WritePattern.DstOnly, WritePattern.SrcFirst)]
    [InlineData(WritePattern.DstOnly, WritePattern.SrcOnly)]
    public void Check_Jump_IsRefusedUnlessForced(WritePattern from, WritePattern to)
    {
        Assert.Equal(PatternMoveCheck.Refused, PatternMoveRule.Check(from, to, force: false));
        Assert.Equal(PatternMoveCheck.ForcedJump, PatternMoveRule.Check(from, to, force: true));
    }

    [Fact]
    public void Check_SamePattern_IsUnchanged() =>
        Assert.Equal(PatternMoveCheck.Unchanged, PatternMoveRule.Check(WritePattern.DstFirst, WritePattern.DstFirst, force: false));

    [Fact]
    public void AllowedFrom_Middle_ListsBothNeighbours() =>
        Assert.Equal([WritePattern.SrcOnly, WritePattern.DstFirst], PatternMoveRule.AllowedFrom(WritePattern.SrcFirst));

    [Fact]
    public void AllowedFrom_End_ListsOneNeighbour() =>
        Assert.Equal([WritePattern.DstFirst], PatternMoveRule.AllowedFrom(WritePattern.DstOnly));
}
