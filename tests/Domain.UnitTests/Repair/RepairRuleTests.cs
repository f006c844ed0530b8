using Migration.Domain.Repair;

namespace Migration.Domain.UnitTests.Repair;

public sealed class RepairRuleTests
{
    private const long ConfirmedAt = 1_000;

    [Theory]
    [InlineData(RepairPolicy.BaseWins)]
    [InlineData(RepairPolicy.NewestWins)]
    public void Decide_EqualOrGoneOnBothSides_DoesNothing(RepairPolicy policy)
    {
        Assert.Equal(RepairAction.None, RepairRule.Decide(policy, true, 5, true, 5, equal: true, ConfirmedAt).Action);
        Assert.Equal(RepairAction.None, RepairRule.Decide(policy, false, null, false, null, equal: false, ConfirmedAt).Action);
    }

    [Fact]
    public void Decide_BaseWins_OverwritesANewerOtherRowWrittenBeforeTheConfirmation()
    {
        Assert.Equal(RepairAction.Copy, RepairRule.Decide(RepairPolicy.BaseWins, true, 100, true, 900, equal: false, ConfirmedAt).Action);
        Assert.Equal(RepairAction.Copy, RepairRule.Decide(RepairPolicy.BaseWins, true, 100, false, null, equal: false, ConfirmedAt).Action);
    }

    [Fact]
    public void Decide_BaseWins_DeletesAnOtherRowWrittenBeforeTheConfirmation()
    {
        Assert.Equal(RepairAction.Delete, RepairRule.Decide(RepairPolicy.BaseWins, false, null, true, ConfirmedAt, equal: false, ConfirmedAt).Action);
    }

    [Theory]
    [InlineData(100L)]
    [InlineData(null)]
    public void Decide_OtherRowWrittenAfterTheConfirmation_IsAConflictForUpdatesAndDeletesAlike(long? baseVersion)
    {
        var decision = RepairRule.Decide(RepairPolicy.BaseWins, baseVersion is not null, baseVersion, true, ConfirmedAt + 1, equal: false, ConfirmedAt);

        Assert.Equal(RepairAction.Conflict, decision.Action);
        Assert.Contains("after the difference was confirmed", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_OtherRowWrittenAfterTheConfirmationButBaseNewerStill_CopiesTheBase()
    {
        Assert.Equal(RepairAction.Copy, RepairRule.Decide(RepairPolicy.BaseWins, true, ConfirmedAt + 10, true, ConfirmedAt + 5, equal: false, ConfirmedAt).Action);
    }

    [Theory]
    [InlineData(RepairPolicy.BaseWins)]
    [InlineData(RepairPolicy.NewestWins)]
    public void Decide_TableWithoutVersions_TheBaseWins(RepairPolicy policy)
    {
        Assert.Equal(RepairAction.Copy, RepairRule.Decide(policy, true, null, true, null, equal: false, ConfirmedAt).Action);
        Assert.Equal(RepairAction.Delete, RepairRule.Decide(policy, false, null, true, null, equal: false, ConfirmedAt).Action);
    }

    [Fact]
    public void Decide_NewestWins_KeepsANewerOtherRowAsAConflictAndCopiesAnOlderOne()
    {
        var newer = RepairRule.Decide(RepairPolicy.NewestWins, true, 100, true, 200, equal: false, ConfirmedAt);

        Assert.Equal(RepairAction.Conflict, newer.Action);
        Assert.Contains("newest wins", newer.Reason, StringComparison.Ordinal);
        Assert.Equal(RepairAction.Copy, RepairRule.Decide(RepairPolicy.NewestWins, true, 200, true, 100, equal: false, ConfirmedAt).Action);
        Assert.Equal(RepairAction.Copy, RepairRule.Decide(RepairPolicy.NewestWins, true, 200, true, 200, equal: false, ConfirmedAt).Action);
    }
}
