using Migration.Domain.Inconsistencies;
using Migration.Domain.Runs;

namespace Migration.Domain.UnitTests.Runs;

public sealed class ValidationRunTests
{
    private static readonly DateTimeOffset _start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static ValidationRun NewRun(long utime = 100) =>
        new(Guid.NewGuid(), RunKind.Incremental, "users", Direction.Src, utime, 500, _start);

    private static InconsistentEvent Event(InconsistencyType type) =>
        new(Guid.NewGuid(), "users", 1, Direction.Src, type, _start, []);

    [Fact]
    public void New_StartsRunningWithCursorAtUtime()
    {
        var run = NewRun(utime: 100);
        Assert.Equal(RunStatus.Running, run.Status);
        Assert.Equal(new RowCursor(100, long.MinValue), run.BaseCursor);
        Assert.Equal(0, run.RowsChecked);
    }

    [Fact]
    public void AdvanceBase_MovesCursorAndCountsRows()
    {
        var run = NewRun();
        run.AdvanceBase(new RowCursor(150, 7), 10);
        run.AdvanceBase(new RowCursor(150, 9), 5);
        Assert.Equal(new RowCursor(150, 9), run.BaseCursor);
        Assert.Equal(15, run.RowsChecked);
    }

    [Fact]
    public void AdvanceBase_Backwards_Throws()
    {
        var run = NewRun();
        run.AdvanceBase(new RowCursor(150, 9), 1);
        Assert.Throws<InvalidOperationException>(() => run.AdvanceBase(new RowCursor(150, 8), 1));
        Assert.Equal(new RowCursor(150, 9), run.BaseCursor);
    }

    [Fact]
    public void RecordInconsistencies_CountsByTypeAndPublished()
    {
        var run = NewRun();
        run.RecordInconsistencies([Event(InconsistencyType.Neq), Event(InconsistencyType.Neq), Event(InconsistencyType.BaseMissing)]);
        Assert.Equal(2, run.InconsistenciesOf(InconsistencyType.Neq));
        Assert.Equal(1, run.InconsistenciesOf(InconsistencyType.BaseMissing));
        Assert.Equal(0, run.InconsistenciesOf(InconsistencyType.TargetMissing));
        Assert.Equal(3, run.EventsPublished);
    }

    [Fact]
    public void Stop_EndsOnceAndFreezesProgress()
    {
        var run = NewRun();
        run.Stop(_start.AddSeconds(5));
        run.Complete(_start.AddSeconds(9));
        Assert.Equal(RunStatus.Stopped, run.Status);
        Assert.Equal(_start.AddSeconds(5), run.EndedAt);
        Assert.Throws<InvalidOperationException>(() => run.AdvanceBase(new RowCursor(200, 1), 1));
        Assert.Throws<InvalidOperationException>(() => run.RecordInconsistencies([Event(InconsistencyType.Neq)]));
    }

    [Fact]
    public void Fail_KeepsTheReason()
    {
        var run = NewRun();
        run.RecordError("timeout", _start.AddSeconds(1));
        run.Fail("no such table", _start.AddSeconds(2));
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal("no such table", run.LastError);
        Assert.Equal(1, run.Errors);
    }

    [Fact]
    public void RecordRecheck_CountsClearedRowsAndDrainsPending()
    {
        var run = NewRun();
        run.RecordSuspect();
        run.RecordSuspect();
        run.RecordSuspect();
        Assert.Equal(3, run.SuspectsPending);

        run.RecordRecheck(suspects: 2, rows: 2, confirmed: 1);

        Assert.Equal(1, run.SuspectsPending);
        Assert.Equal(1, run.SuspectsCleared);
        Assert.Throws<ArgumentOutOfRangeException>(() => run.RecordRecheck(1, 1, 2));
    }

    [Fact]
    public void New_NegativeUtime_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => NewRun(utime: -1));

    [Theory]
    [InlineData(InconsistencyType.TargetMissing, "target_missing")]
    [InlineData(InconsistencyType.Neq, "neq")]
    [InlineData(InconsistencyType.BaseMissing, "base_missing")]
    public void InconsistencyType_WireNames(InconsistencyType type, string wire)
    {
        Assert.Equal(wire, type.ToWire());
        Assert.True(InconsistencyTypeExtensions.TryParseWire(wire, out var parsed));
        Assert.Equal(type, parsed);
    }

    [Fact]
    public void InconsistentEvent_KeyIsTableAndId() =>
        Assert.Equal("users:42", (Event(InconsistencyType.Neq) with { Id = 42 }).Key);
}
